"""The simulated world, step by step, as data: posts per board with their counts, and the alerts
yuqing is expected to raise at each step (docs/spec.md §3 default tiers).

Pure: no I/O. Copy 0 of the sites plays the scenario; copies 1… (the soak's extra sources) play
a background world of notices that match no scheme, so they never raise an alert.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

SUBJECT = "江城市交通运输局"
SCHEME_NAME = "江城交通"
SCHEME_QUERY = '"江城市交通运输局" OR "江城交通局"'
USER_WORDS = ["江城市交通运输局", "江城交通局", "江城市第一人民医院"]
STEPS = 6  # step 0 is the world before anything happens
STEP_MINUTES = 20  # simulated time between two steps in the demo
BOARDS = ("news", "press", "bbs", "bbs2", "weibo")

Counts = tuple[int, int, int]  # views, replies, reposts


@dataclass(frozen=True)
class Item:
    """One post on one board: appears at `first_step`; counts change at the steps listed."""

    id: int
    board: str
    title: str
    body: str
    author: str
    first_step: int
    counts: dict[int, Counts] = field(default_factory=dict)
    age_minutes: int = 7  # how long before the step's poll it was published
    story: str | None = None  # the label of the story it belongs to, for expectations
    published_at: datetime | None = None  # set for an item published while the sites run (`publish`)

    def counts_at(self, step: int) -> Counts:
        """The (views, replies, reposts) shown at `step`: the latest change at or before it."""
        known = [s for s in self.counts if s <= step]
        return self.counts[max(known)] if known else (0, 0, 0)


@dataclass(frozen=True)
class ExpectedAlert:
    """An alert the webhook receiver must get after the pass of `step`, exactly once."""

    step: int
    event: str
    story: str
    tier: str


_S1 = (
    "今天早上七点半，江城市交通运输局一辆执法车在解放路小学门口撞倒一名上学的小学生，司机下车看了一眼"
    "就开车离开了。孩子腿部骨折被送进医院，家长到交通运输局讨说法，值班人员推诿说不知道此事，至今没有"
    "任何人出面道歉。现场很多家长都拍了视频，大家都非常气愤，要求严肃处理肇事司机，给孩子一个交代！"
)
_S2 = (
    "在江城市交通运输局政务大厅办理道路运输证，排队两个小时，轮到我时窗口工作人员说材料不全，我问缺"
    "什么，她直接骂我听不懂人话，还把材料从窗口扔了出来。旁边排队的人都看不下去。服务态度这么恶劣，"
    "简直太过分了，投诉电话也打不通，请领导管一管！"
)
_POSITIVE = (
    "江城市交通运输局今天开通了十条夜间公交线路，末班车延长到晚上十二点，下夜班的市民终于不用打车了。"
    "很多网友留言点赞，感谢交通运输局为群众办实事，服务越来越贴心，出行越来越方便，给江城交通点个大大的赞！"
)
_NOTICE = (
    "根据春运工作安排，2月8日至2月20日期间，江城汽车客运总站将增开至周边县市的客运班次，具体时刻表以"
    "车站公告为准。旅客可通过车站售票窗口或官方网站购票，请合理安排出行时间。特此通知。江城市交通运输局。"
)
_HOSPITAL = (
    "昨晚孩子高烧到江城市第一人民医院急诊，等了四个小时都没有医生来看，护士态度极差，问一句就被吼。"
    "孩子烧到抽搐才有人理，家长们都非常愤怒，这样的医院太让人寒心了，强烈要求医院给个说法！"
)
_COMPLAINT = (
    "解放路口的公交站牌被撞坏一个多月了，一直没人修，晚上看不清站名，老人经常坐错车。投诉了三次都没人管，"
    "太不像话了，希望江城市交通运输局尽快派人来修一下。"
)

ITEMS: tuple[Item, ...] = (
    # filler present from the start: neutral local news that matches no scheme
    Item(101, "news", "江城今日天气：多云转晴，气温12至20度", "江城市气象台预报，今天白天多云转晴，"
         "气温12到20度，东南风三级，空气质量良。", "江城新闻网", 0, age_minutes=90),
    Item(102, "news", "江城图书馆周末举办少儿阅读活动", "江城市图书馆本周六上午在少儿阅览室举办绘本阅读"
         "活动，欢迎家长带孩子参加，活动免费。", "江城新闻网", 0, age_minutes=60),
    Item(501, "weibo", "周末去江城湿地公园看鸟", "天气不错，湿地公园来了好多白鹭，拍了几张照片分享给大家。",
         "江城小李", 0, {0: (820, 12, 3)}, age_minutes=45),
    Item(301, "bbs", "江城哪里的早点好吃？求推荐", "刚搬来江城，想找几家好吃的早点铺子，大家有推荐吗？",
         "新江城人", 0, {0: (156, 9, 0)}, age_minutes=120),
    # the main story: a negative statement about the subject, spreading by clicks over sites
    Item(1001, "bbs", "江城市交通运输局执法车撞伤小学生后离开，家长讨说法遭推诿", _S1, "解放路家长", 1,
         {1: (420, 18, 0), 2: (1350, 64, 0), 3: (9800, 420, 0), 4: (41000, 1900, 0), 5: (52000, 2300, 0)},
         story="main"),
    Item(2001, "bbs2", "【转】江城市交通运输局执法车撞伤小学生后离开 家长讨说法遭推诿", "转自江城论坛：" + _S1,
         "路见不平", 2, {2: (300, 12, 0), 3: (2100, 95, 0), 4: (12500, 800, 0), 5: (15000, 900, 0)},
         story="main"),
    Item(111, "news", "网曝江城市交通运输局执法车撞伤小学生 司机驶离现场", "近日有网友发帖称，" + _S1,
         "江城新闻网", 2, story="main"),
    # the second story: one site only, tiers reached by reposts alone
    Item(3001, "weibo", "江城市交通运输局窗口人员辱骂办事群众", _S2, "跑断腿的老王", 1,
         {1: (2300, 41, 40), 2: (6100, 120, 130), 3: (12000, 260, 210), 4: (21000, 410, 360),
          5: (24000, 460, 420)}, story="reposts"),
    # distractors with the same reach: positive, neutral notice, another subject, a small complaint
    Item(1002, "bbs", "江城市交通运输局开通十条夜间公交线路 市民点赞", _POSITIVE, "夜班族", 1,
         {1: (500, 20, 0), 2: (1500, 70, 0), 3: (11000, 500, 0), 4: (45000, 2000, 0), 5: (56000, 2400, 0)},
         story="positive"),
    Item(201, "press", "市交通运输局新开通十条夜间公交线路", _POSITIVE, "江城市交通运输局", 2, story="positive"),
    Item(3002, "weibo", "点赞！江城市交通运输局开通夜间公交", _POSITIVE, "江城发布", 2,
         {2: (5000, 90, 150), 3: (9000, 200, 320), 4: (16000, 300, 650)}, story="positive"),
    Item(202, "press", "江城市交通运输局关于春运期间增开客运班次的通知", _NOTICE, "江城市交通运输局", 1,
         story="notice"),
    Item(2002, "bbs2", "江城市交通运输局关于春运期间增开客运班次的通知", _NOTICE, "客运小编", 2,
         {2: (1600, 30, 0), 3: (12500, 90, 0), 4: (57000, 300, 0)}, story="notice"),
    Item(1003, "bbs", "江城市第一人民医院急诊四小时没人管，孩子烧到抽搐", _HOSPITAL, "心急的妈妈", 1,
         {1: (600, 30, 0), 2: (1600, 90, 0), 3: (12000, 600, 0), 4: (50000, 2600, 0)}, story="hospital"),
    Item(112, "news", "网友反映江城市第一人民医院急诊候诊时间过长", "有网友发帖称，" + _HOSPITAL, "江城新闻网", 2,
         story="hospital"),
    Item(3003, "weibo", "江城市第一人民医院急诊态度恶劣", _HOSPITAL, "心急的妈妈", 2,
         {2: (4000, 80, 160), 3: (8000, 150, 330), 4: (15000, 260, 700)}, story="hospital"),
    Item(2003, "bbs2", "解放路公交站牌坏了一个月没人修", _COMPLAINT, "老街坊", 1,
         {1: (90, 4, 0), 2: (120, 6, 0), 3: (150, 7, 0)}, story="complaint"),
)

EXPECTED_ALERTS: tuple[ExpectedAlert, ...] = (
    ExpectedAlert(2, "story.tier_raised", "main", "significant"),  # sites 3, clicks_24h 1,726
    ExpectedAlert(2, "story.tier_raised", "reposts", "significant"),  # reposts 130
    ExpectedAlert(3, "story.tier_raised", "main", "major"),  # clicks_24h 12,415
    ExpectedAlert(4, "story.tier_raised", "main", "critical"),  # clicks_24h 56,200
    ExpectedAlert(4, "story.tier_raised", "reposts", "major"),  # reposts 360
)
"""Webhook alerts at `min_tier = "significant"`: the distractors raise nothing, the complaint
stays `general` (below the channel's tier)."""

EXPECTED_TIERS: dict[str, str | None] = {
    "main": "critical", "reposts": "major", "positive": None, "notice": None, "hospital": None,
    "complaint": "general",
}

_NOISE_TOPICS = (
    ("社区开展垃圾分类宣传活动", "本周社区志愿者在小区门口设点，向居民讲解垃圾分类知识，发放宣传册。"),
    ("公园新栽了一批银杏树", "公园管理处在南门广场新栽了五十棵银杏树，预计明年秋天可以看到金黄的树叶。"),
    ("周末菜市场蔬菜价格平稳", "记者走访发现，本周各菜市场蔬菜价格总体平稳，白菜萝卜每斤一元左右。"),
    ("老年大学开设书法班", "老年大学新学期开设书法、太极和合唱课程，报名截止到本月底，名额有限。"),
    ("体育馆游泳池恢复开放", "经过一个月的设备检修，体育馆室内游泳池本周起恢复开放，开放时间不变。"),
)


def noise_items(copy: int) -> tuple[Item, ...]:
    """The background world of site copy `copy` (≥ 1): one new neutral notice per board per step."""
    items = []
    for board_index, board in enumerate(BOARDS):
        for step in range(STEPS):
            topic, text = _NOISE_TOPICS[(copy + board_index + step) % len(_NOISE_TOPICS)]
            ident = 10_000 + (board_index * STEPS + step)
            counts = {} if board in ("news", "press") else {step: (50 + 10 * step, step, step)}
            items.append(Item(ident, board, f"第{copy}片区{topic}（{step + 1}）",
                              f"第{copy}片区消息：{text}编号{copy}-{board_index}-{step}。", f"片区{copy}",
                              step, counts))
    return tuple(items)


def items_for(copy: int) -> tuple[Item, ...]:
    """Every item of site copy `copy`: the scenario for copy 0, background notices otherwise."""
    return ITEMS if copy == 0 else noise_items(copy)


def visible_items(copy: int, board: str, step: int) -> list[Item]:
    """The items a board shows at `step`, newest first (the order list pages use)."""
    shown = [i for i in items_for(copy) if i.board == board and i.first_step <= step]
    return sorted(shown, key=lambda i: (i.first_step, -i.age_minutes, i.id), reverse=True)


_ID_IN_URL = re.compile(r"(?:tid=|/article/|/status/|/press/)(\d+)")


def story_of_url(url: str) -> str | None:
    """The scenario story a post URL of copy 0 belongs to, or None."""
    match = _ID_IN_URL.search(url)
    if match is None or "/s/" in url:
        return None
    ident = int(match.group(1))
    return next((i.story for i in ITEMS if i.id == ident), None)


def story_of_alert(payload: dict[str, object]) -> str | None:
    """The scenario story a webhook payload is about, from its URLs."""
    urls = [payload.get("first_url"), *(payload.get("urls") or [])]  # type: ignore[misc]
    for url in urls:
        label = story_of_url(str(url)) if url else None
        if label:
            return label
    return None
