"""Hand-made `DigestData` for the pure rendering tests: hostile titles, odd URLs, an empty day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from yuqing.alerts.digest.data import day_bounds
from yuqing.alerts.digest.model import (
    BlindSpot,
    DayFigures,
    DeadlineLine,
    DigestData,
    IncidentLine,
    ItemLine,
    SeriesPoint,
    StoryLine,
)

DAY = date(2026, 11, 20)
SCRIPT = "<script>alert(1)</script>网传交通局局长酒驾"
ITEM_URLS = [
    "https://bbs.example.cn/thread-1.html",
    "https://news.example.cn/a?id=2&from=rss",
    "https://weibo.example.cn/p/3 (copy)<x>",
]


def _story(id_: int, tier: str | None, title: str, url: str | None, **extra: object) -> StoryLine:
    start, _ = day_bounds(DAY, "Asia/Shanghai")
    values: dict[str, object] = dict(
        id=id_, title=title, url=url, tier=tier, tier_reason=None, tier_at=start + timedelta(hours=10),
        sites=["bbs.example.cn", "news.example.cn"], posts=4, clicks_24h=12430, reposts=320,
        clicks_per_hour=812.5, negativity=0.86, category="emergency", first_seen_at=start + timedelta(hours=8),
        last_post_at=start + timedelta(hours=14), posts_today=3, posts_before=1, forecast=None,
    )
    values.update(extra)
    return StoryLine(**values)  # type: ignore[arg-type]


def sample_digest(*, empty: bool = False) -> DigestData:
    """A digest with something hostile in every web-sourced field (or an empty day)."""
    start, end = day_bounds(DAY, "Asia/Shanghai")
    figures = DayFigures(posts=52, relevant=34, negative=16, unanalysed=3, new_stories=3,
                         tiers={"general": 2, "significant": 1, "major": 1, "critical": 0})
    none = DayFigures(posts=0, relevant=0, negative=0, unanalysed=0, new_stories=0,
                      tiers={"general": 0, "significant": 0, "major": 0, "critical": 0})
    stories = [
        _story(1, "major", SCRIPT, ITEM_URLS[0], tier_reason="sites 3 ≥ 2 and <b>clicks</b>",
               forecast="预计约 2 小时后达到特别重大<img src=x>",
               raised=[("significant", "major", start + timedelta(hours=14, minutes=30))]),
        _story(2, "general", "[点我](javascript:alert(1)) *粗* | 竖线", "javascript:alert(1)"),
    ]
    items = [
        ItemLine(post_id=10 + n, title=title, url=url, site="bbs.example.cn", negativity=0.9 - n / 10,
                 views=1200, replies=None, reposts=3, category="rumour",
                 first_seen_at=start + timedelta(hours=n), published_at=None)
        for n, (title, url) in enumerate([(SCRIPT, ITEM_URLS[1]), ("正常标题", ITEM_URLS[2]),
                                          ("数据链接", "data:text/html,<script>alert(1)</script>")])
    ]
    incident = IncidentLine(
        id=7, story_id=1, title=SCRIPT, url=ITEM_URLS[0], status="open", tier="major", category="emergency",
        opened_at=start + timedelta(hours=9), acknowledged_by="<i>张三</i>",
        deadlines=[DeadlineLine("report", "快报", start + timedelta(hours=9, minutes=30), None, "missed")],
    )
    spot = BlindSpot(source="news<rss>", site="news.example.cn", kind="rss",
                     reasons=["连续 3 次抓取失败:<html>503</html>"], last_success_at=None,
                     last_new_item_at=None, consecutive_failures=3, polls_today=48, failed_today=3)
    hourly = [SeriesPoint(f"{h:02d}", h % 5, h % 3 if h % 5 else 0) for h in range(24)]
    daily = [SeriesPoint((DAY - timedelta(days=6 - n)).strftime("%m-%d"), 30 + n, 10 + n) for n in range(7)]
    return DigestData(
        day=DAY, timezone="Asia/Shanghai", start=start, end=end,
        generated_at=datetime(2026, 11, 21, 0, 0, tzinfo=UTC),
        today=none if empty else figures, before=none if empty else figures,
        attention=[] if empty else stories, new_stories=[] if empty else stories[:1],
        new_stories_total=0 if empty else 3, incidents=[] if empty else [incident],
        top_items=[] if empty else items,
        hourly=[SeriesPoint(p.label, 0, 0) for p in hourly] if empty else hourly,
        daily=[SeriesPoint(p.label, 0, 0) for p in daily] if empty else daily,
        by_site=[] if empty else [SeriesPoint("bbs.example.cn", 20, 9), SeriesPoint("<b>site</b>", 14, 7)],
        by_category=[] if empty else [SeriesPoint("突发事件类", 11, 7), SeriesPoint("未分类", 5, 3)],
        blind_spots=[] if empty else [spot], sources_total=4,
        attention_more={} if empty else {"general": 5},
    )
