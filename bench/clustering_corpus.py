"""A seeded corpus for the clustering benchmark: statements copied across sites with realistic edits.

Each statement (a forum-style report of a local incident) is published once and copied
1–8 times on other sites; every copy gets one to three of the edits real reprints show:
repost prefixes and suffixes, truncation to 60 %, a new title, punctuation and spacing
changes, Traditional script, an added intro sentence. Unrelated posts — including official
replies and other people's accounts of the same incidents — fill the rest. `truth` is the
statement id of every post (unrelated posts each have their own).

Then the real web's two traps (issue 14): every site has its own boilerplate (app-download
footers, course adverts, copyright and follow-us lines, some of them longer than a short post)
and adds one to 30 % of its posts, unrelated ones included; and 20 % of the copies are
title-only, as a board read from its list stores them: the statement's title, maybe behind
【转】, 网曝:, 转发:, in Traditional script or re-punctuated, and no body. (A copy re-titled
with words of its own and read from its list shares no text with the statement: no method
can place it, so the corpus makes none.) Both layers draw from their
own random stream, so the posts underneath are the same as without them.

    python -m bench.clustering_corpus --statements 50 --unrelated 200   # prints a sample
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import zhconv


def _words(text: str) -> list[str]:
    return text.split()


COMMON = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产"
    "种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业"
    "本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利"
    "比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文"
    "总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干"
    "做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共"
    "权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张"
    "信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验"
    "连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写"
    "存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙"
)
CITIES = _words("杭州 宁波 温州 合肥 芜湖 南昌 赣州 长沙 株洲 衡阳 郑州 洛阳 开封 济南 青岛 烟台 石家庄 保定 太原 大同 西安 宝鸡 兰州 银川 西宁 成都 绵阳 重庆 贵阳 遵义 昆明 大理 南宁 桂林 柳州 广州 佛山 东莞 深圳 珠海 汕头 福州 厦门 泉州 南京 苏州 无锡 常州 徐州 扬州 沈阳 大连 长春 吉林 哈尔滨 大庆 呼和浩特 包头 乌鲁木齐 拉萨 海口 三亚")
DISTRICTS = _words("城关 城东 城西 高新 经开 滨江 江北 新城 老城 开发 河西 河东 南湖 北湖 东湖 西湖 临港 空港 湖滨 青山")
ORGS = _words("交通局 教育局 卫健委 住建局 城管局 市场监管局 公安分局 人民医院 中心医院 妇幼保健院 第一中学 实验小学 自来水公司 燃气公司 供电公司 公交集团 地铁公司 物业公司 街道办 环保局 人社局 民政局 税务局 不动产登记中心 派出所 消防救援站 客运站 高铁站 菜市场 幼儿园")
EVENTS = [
    ("渣土车", "失控冲上人行道", "撞倒"), ("电动车", "充电时起火", "烧毁"), ("塔吊", "突然倒塌", "砸中"),
    ("公交车", "急刹车", "摔伤"), ("围墙", "在暴雨中垮塌", "压住"), ("燃气管道", "发生泄漏", "熏倒"),
    ("食堂饭菜", "被发现变质", "吃坏"), ("窨井盖", "缺失多日", "绊倒"), ("电梯", "突然下坠", "困住"),
    ("脚手架", "散架", "砸伤"), ("校车", "超载行驶", "挤伤"), ("自来水", "发黄发臭", "喝坏"),
    ("广告牌", "被大风吹落", "砸伤"), ("化工厂", "排放刺鼻气体", "熏晕"), ("路面", "突然塌陷", "吞没"),
    ("出租车", "拒载绕路", "耽误"), ("医生", "推诿病人", "延误"), ("物业", "断水断电", "逼走"),
    ("工地", "夜间违规施工", "吵醒"), ("外卖骑手", "逆行", "撞伤"),
]
ROLES = _words("老人 小学生 孕妇 外卖员 环卫工 保安 司机 店主 退休教师 大学生 快递员 宝妈 农民工 护士 志愿者")
MEDIA = _words("晚报 日报 都市报 新闻网 电视台 广播电台 发布 在线 视窗 热线")
USERS = _words("路人甲 吃瓜群众 城南老王 小鱼儿 夜猫子 江湖百晓生 本地通 热心市民 爆料君 阿强 老张说事 一只猫")
COMMENTS = _words("太过分了 有没有人管管 转发扩散 心疼 真的假的 已报警 求关注 希望严查 离谱 天哪")
INTROS = [
    "今天刷到这条消息,大家看看是不是真的?", "家人们,转一下这个,看到的都注意安全。",
    "这事儿在我们小区群里都传疯了,", "刚在朋友圈看到的,心里很不是滋味。",
    "有网友爆料称,", "据知情网友反映,", "看到这个新闻真的气愤,", "本地人都在转,求官方回应:",
]
_SENTENCES = [
    "{date}{time},{city}{district}区{org}附近{place}一辆{thing}{what},{verb}{n}名{role}",
    "{role}当场{hurt},{filler}",
    "{who}称{thing}已经{problem}{days}天,{filler}",
    "{who}说{filler}",
    "{cause},{filler}",
    "{filler},{filler}",
    "{org}回应{excuse},{filler}",
    "家属{demand},{filler}",
    "{filler}{place}{filler}",
]
_PLACES = _words("公交站台 校门口 小区门口 十字路口 菜市场入口 人行天桥下 停车场 广场 桥头 地铁口")
_HURTS = _words("昏迷 骨折 大出血 失去意识 动弹不得 呼吸困难")
_HELPERS = _words("路人 120急救车 附近商户 交警 保安 家属")
_PROBLEMS = _words("出现故障 存在隐患 被人投诉 没人管 坏掉 违规作业")
_WHOS = _words("附近居民 周边商户 多名网友 一位业主 在场群众 家长们")
_CAUSES = _words("施工围挡占了一半车道 路灯坏了很久 没有任何警示标志 排水沟堵塞严重 监控早就坏了")
_EXCUSES = _words("情况正在核实 不归他们管 领导在开会 会尽快处理 已经上报")
_DEMANDS = _words("要求彻查责任 希望有关部门给个说法 要求赔偿医药费 不接受私了")


@dataclass(frozen=True)
class CorpusPost:
    """One generated post and the statement it carries."""

    truth: int
    site: str
    title: str
    body: str
    seen: datetime
    edits: tuple[str, ...] = ()


def _filler(rng: random.Random, low: int = 8, high: int = 24) -> str:
    """Words made of common characters: what makes each statement its own."""
    return "".join(rng.choice(COMMON) + rng.choice(COMMON) for _ in range(rng.randint(low, high) // 2))


def _slots(rng: random.Random) -> dict[str, str]:
    thing, what, verb = rng.choice(EVENTS)
    day = rng.randint(1, 28)
    return {
        "date": f"{rng.randint(1, 12)}月{day}日", "time": rng.choice(["早上", "中午", "下午", "晚上", "凌晨"])
        + f"{rng.randint(1, 12)}点", "city": rng.choice(CITIES), "district": rng.choice(DISTRICTS),
        "org": rng.choice(ORGS), "place": rng.choice(_PLACES), "thing": thing, "what": what, "verb": verb,
        "n": str(rng.randint(1, 9)), "role": rng.choice(ROLES), "hurt": rng.choice(_HURTS),
        "helper": rng.choice(_HELPERS), "hospital": rng.choice(CITIES) + rng.choice(["人民医院", "中心医院"]),
        "problem": rng.choice(_PROBLEMS), "days": str(rng.randint(2, 30)), "who": rng.choice(_WHOS),
        "cause": rng.choice(_CAUSES), "excuse": rng.choice(_EXCUSES), "demand": rng.choice(_DEMANDS),
    }


def statement(rng: random.Random, slots: dict[str, str] | None = None) -> tuple[str, str]:
    """A (title, body) report of one incident, 80–300 characters."""
    slots = slots or _slots(rng)
    chosen = [_SENTENCES[0], *rng.sample(_SENTENCES[1:], rng.randint(2, 6))]
    body = "。".join(s.replace("{filler}", _filler(rng), 1).replace("{filler}", _filler(rng)).format(**slots)
                    for s in chosen) + "。"
    title = rng.choice([
        "{city}{org}附近{thing}{what} {n}人受伤", "{city}{district}区{thing}{what},{role}{hurt}",
        "【曝光】{city}{district}区{org}门口{thing}{what}", "{city}一{thing}{what}{verb}{n}人,{org}被指不作为",
    ]).format(**slots)
    return title, body


def official_reply(rng: random.Random, slots: dict[str, str]) -> tuple[str, str]:
    """The office's own statement about the same incident: same names, a different statement."""
    body = (
        f"关于{slots['date']}{slots['city']}{slots['district']}区{slots['thing']}事件的情况通报:"
        f"经初步调查,{_filler(rng, 10, 20)},受伤{slots['role']}已得到及时救治。{slots['org']}高度重视,"
        f"已成立工作组,{_filler(rng, 10, 20)}。感谢广大市民的关心和监督,后续进展将及时发布。"
    )
    return f"{slots['city']}{slots['org']}情况通报", body


def _edit(rng: random.Random, title: str, body: str, edit: str, sites: list[str]) -> tuple[str, str]:
    if edit == "prefix":
        marker = rng.choice(["转发:", "【转】", "转载:", f"转自{rng.choice(sites)}:", "网曝:",
                             f"//@{rng.choice(USERS)}: {rng.choice(COMMENTS)}//@{rng.choice(USERS)}:"])
        return (marker + title, body) if rng.random() < 0.5 else (title, marker + body)
    if edit == "suffix":
        return title, body + rng.choice([
            f"(转自{rng.choice(sites)})", f"\n来源:{rng.choice(CITIES)}{rng.choice(MEDIA)}",
            f"\n责任编辑:{rng.choice(USERS)}", f" //@{rng.choice(USERS)}:{rng.choice(COMMENTS)}", " 转发"])
    if edit == "truncate":
        return title, body[: int(len(body) * 0.6)]
    if edit == "retitle":
        return rng.choice([f"{_filler(rng, 4, 8)}!{rng.choice(COMMENTS)}", "原标题:" + title]), body
    if edit == "punctuation":
        def respace(text: str) -> str:
            text = text.replace(",", rng.choice([",", " ", ",", "、"])).replace("。", rng.choice([".", "!", " ", "。 "]))
            return "".join(c + (" " if rng.random() < 0.05 else "") for c in text)
        return respace(title), respace(body)
    if edit == "traditional":
        return zhconv.convert(title, "zh-tw"), zhconv.convert(body, "zh-tw")
    if edit == "intro":
        return title, rng.choice(INTROS) + _filler(rng, 4, 10) + "。" + body
    raise ValueError(edit)


EDITS = ("prefix", "suffix", "truncate", "retitle", "punctuation", "traditional", "intro")
BOILERPLATE_SHARE = 0.3  # of each site's posts carry one of its boilerplate texts
TITLE_ONLY_SHARE = 0.2  # of the copies are stored with their title only

_APPS = _words("新闻 资讯 头条 生活 圈 论坛 视频 快报 在线 TV")
_COURSES = _words("公考 考研 雅思 会计 教资 编程 摄影 驾考 法考 口才")


def _brand(rng: random.Random) -> str:
    return rng.choice(CITIES) + rng.choice(_APPS)


def site_boilerplate(rng: random.Random) -> list[str]:
    """One site's own boilerplate texts (one to three): footers, adverts, copyright and follow-us
    lines, 20 to 250 characters, several sentences each, with the site's own brand and words."""
    brand = _brand(rng)
    kinds = [
        lambda: f"下载{brand}客户端,{_filler(rng, 6, 12)}。打开APP查看更多精彩内容,{_filler(rng, 4, 10)}!",
        lambda: (f"【广告】{rng.choice(_COURSES)}名师{_filler(rng, 4, 8)}班火热报名中!{_filler(rng, 20, 40)}。"
                 f"前{rng.randint(10, 99)}名报名立减{rng.randint(2, 9)}00元,{_filler(rng, 30, 60)}。"
                 f"咨询电话{rng.randint(10_000_000, 99_999_999)},{_filler(rng, 20, 50)}。"),
        lambda: f"版权所有 © {rng.randint(2005, 2026)} {brand}网 未经授权禁止转载。{_filler(rng, 6, 12)}",
        lambda: (f"扫码关注{brand}公众号,{_filler(rng, 10, 20)}。爆料热线:{rng.randint(10_000_000, 99_999_999)}。"
                 f"{_filler(rng, 10, 30)}。"),
        lambda: f"本文由{brand}原创,{_filler(rng, 30, 80)}。如需转载请联系{brand}编辑部,{_filler(rng, 30, 80)}。",
    ]
    return [rng.choice(kinds)() for _ in range(rng.randint(1, 3))]


def title_only(rng: random.Random, title: str) -> str:
    """A copy's title as a board's list shows it: behind a repost prefix, re-scripted or re-punctuated."""
    marker = rng.choice(["", "", "【转】", "网曝:", "转发:", "转载:", "[转帖]"])
    if rng.random() < 0.2:
        title = zhconv.convert(title, "zh-tw")
    if rng.random() < 0.2:
        title = title.replace(" ", rng.choice(["", ",", " "])).replace(",", rng.choice([" ", ","]))
    return marker + title


def add_site_traps(posts: list[CorpusPost], seed: int, boilerplate: float = BOILERPLATE_SHARE,
                   titles_only: float = TITLE_ONLY_SHARE) -> list[CorpusPost]:
    """The posts with their site's boilerplate added to a share of them (each site its own texts) and
    a share of the copies (posts with edits) cut to their title."""
    rng = random.Random(seed ^ 0x5EED)
    texts: dict[str, list[str]] = {}
    originals: dict[int, str] = {}  # statement → its title (the original comes first: copies follow it)
    out = []
    for post in posts:
        originals.setdefault(post.truth, post.title)
        if post.edits and rng.random() < titles_only:
            out.append(CorpusPost(post.truth, post.site, title_only(rng, originals[post.truth]), "", post.seen,
                                  ("title-only",)))
            continue
        if rng.random() < boilerplate:
            extra = rng.choice(texts.setdefault(post.site, site_boilerplate(rng)))
            body = extra + "\n" + post.body if rng.random() < 0.2 else post.body + "\n" + extra
            post = CorpusPost(post.truth, post.site, post.title, body, post.seen, (*post.edits, "boilerplate"))
        out.append(post)
    return out


def generate(statements: int, unrelated: int, seed: int = 20261121,
             start: datetime = datetime(2026, 11, 18, tzinfo=UTC), hours: float = 60.0,
             traps: bool = True) -> list[CorpusPost]:
    """`statements` statements copied 1–8 times each, plus `unrelated` other posts, in time order;
    with `traps`, site boilerplate and title-only copies added (`add_site_traps`)."""
    rng = random.Random(seed)
    sites = [f"{name}.example.cn" for name in ("bbs", "tieba", "news", "weibo", "forum", "club", "home")
             for _ in range(1)] + [f"site{i}.example.cn" for i in range(60)]
    posts: list[CorpusPost] = []
    span = timedelta(hours=hours)
    for truth in range(statements):
        slots = _slots(rng)
        title, body = statement(rng, slots)
        origin = start + rng.random() * span * 0.7
        posts.append(CorpusPost(truth, rng.choice(sites), title, body, origin))
        for _ in range(rng.randint(1, 8)):
            edits = tuple(rng.sample(EDITS, rng.randint(1, 3)))
            t, b = title, body
            for edit in edits:
                t, b = _edit(rng, t, b, edit, sites)
            posts.append(CorpusPost(truth, rng.choice(sites), t, b, origin + rng.random() * span * 0.3, edits))
        if rng.random() < 0.15:  # the office answers: a different statement on the same incident
            reply_title, reply_body = official_reply(rng, slots)
            posts.append(CorpusPost(-1, rng.choice(sites), reply_title, reply_body,
                                    origin + rng.random() * span * 0.3))
        if rng.random() < 0.15:  # someone else's account of the same incident
            kept = ("date", "city", "district", "org", "thing", "what", "verb")
            other_title, other_body = statement(rng, _slots(rng) | {k: slots[k] for k in kept})
            posts.append(CorpusPost(-1, rng.choice(sites), other_title, other_body,
                                    origin + rng.random() * span * 0.3))
    for _ in range(unrelated):
        title, body = statement(rng)
        posts.append(CorpusPost(-1, rng.choice(sites), title, body, start + rng.random() * span))
    numbered = [CorpusPost(statements + i if p.truth < 0 else p.truth, p.site, p.title, p.body, p.seen, p.edits)
                for i, p in enumerate(posts)]
    ordered = sorted(numbered, key=lambda p: p.seen)
    return add_site_traps(ordered, seed) if traps else ordered


def main() -> None:
    """Print a few generated posts with their edits."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=5)
    parser.add_argument("--unrelated", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261121)
    args = parser.parse_args()
    for post in sorted(generate(args.statements, args.unrelated, args.seed), key=lambda p: p.truth):
        print(post.truth, post.site, ",".join(post.edits) or "original", post.title, "|", post.body, sep="\t")


if __name__ == "__main__":
    main()
