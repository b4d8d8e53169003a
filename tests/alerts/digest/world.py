"""A week of monitoring data around one local day, written straight into the tables, for digest tests.

The day is 2026-11-20 in Asia/Shanghai; the digest is made at 08:00 the next morning.
Posts are spread by a seeded generator; stories, incidents and sources are placed by hand so
each section of the digest has something to show (and something it must leave out).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from yuqing.alerts.models import Incident
from yuqing.analysis.models import PostAnalysis, Story, StoryPost, TierChange
from yuqing.collector.models import Post, Source, SourcePoll
from yuqing.config.database import transaction
from yuqing.config.settings import Settings

ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 21, 8, 0, tzinfo=ZONE).astimezone(UTC)
SCRIPT_TITLE = "<script>alert(1)</script>网传交通局局长酒驾"
SITES = ["bbs.example.cn", "news.example.cn", "weibo.example.cn", "tieba.example.cn", "zhihu.example.cn"]
CATEGORIES = ["problem", "emergency", "sensitive", "suggestion", "rumour", None]
TITLES = ["交通局回应公交线路调整", "市民反映路口红绿灯故障", "地铁施工噪音扰民", "网传高架桥出现裂缝",
          "出租车拒载问题突出", "共享单车乱停放", "建议增加夜班公交", "交通局官员被指收受礼品"]


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A local wall-clock time on `day`, as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).astimezone(UTC)


def digest_settings(out_dir: str = "var/digests", **digest: object) -> Settings:
    """Settings with the world's sources (one disabled) and the given [digest] keys."""
    return Settings.model_validate({
        "sources": [
            {"name": "city-forum", "kind": "discuz", "url": "https://bbs.example.cn/forum.php?fid=2"},
            {"name": "news-rss", "kind": "rss", "url": "https://news.example.cn/rss.xml"},
            {"name": "weibo-like", "kind": "rss", "url": "https://weibo.example.cn/feed"},
            {"name": "new-feed", "kind": "rss", "url": "https://zhihu.example.cn/feed"},
            {"name": "retired", "kind": "rss", "url": "https://old.example.cn/feed", "enabled": False},
        ],
        "digest": {"out_dir": out_dir, **digest},
    })


@dataclass
class World:
    """Ids of the hand-placed rows the tests look at."""

    stories: dict[str, int]
    incidents: dict[str, int]
    script_post: int


def build_world(sessions: sessionmaker[Session]) -> World:
    """Write the week of data and return the ids of its notable rows."""
    with transaction(sessions) as session:
        sources = _sources(session)
        _posts(session, sources)
        _flush(session)
        stories = _stories(session, sources)
        script_post = _post(session, sources["city-forum"], "script", local(DAY, 10, 5), SCRIPT_TITLE,
                            relevant=True, negative=True, negativity=0.999, category="rumour", views=5)
        _flush(session)
        incidents = _incidents(session, stories)
    return World({k: v.id for k, v in stories.items()}, incidents, script_post.id)


def _sources(session: Session) -> dict[str, Source]:
    made = NOW - timedelta(days=30)
    rows = {
        "city-forum": Source(name="city-forum", kind="discuz", url="https://bbs.example.cn/forum.php?fid=2",
                             site="bbs.example.cn", created_at=made, consecutive_failures=0,
                             last_polled_at=NOW - timedelta(minutes=5), last_success_at=NOW - timedelta(minutes=5),
                             last_new_item_at=NOW - timedelta(minutes=25)),
        "news-rss": Source(name="news-rss", kind="rss", url="https://news.example.cn/rss.xml",
                           site="news.example.cn", created_at=made, consecutive_failures=3,
                           last_polled_at=NOW - timedelta(minutes=10), last_success_at=local(DAY, 21),
                           last_new_item_at=local(DAY, 20, 30), last_error="HTTP 503 Service Unavailable",
                           last_error_at=NOW - timedelta(minutes=10)),
        "weibo-like": Source(name="weibo-like", kind="rss", url="https://weibo.example.cn/feed",
                             site="weibo.example.cn", created_at=made, consecutive_failures=0,
                             last_polled_at=NOW - timedelta(minutes=2), last_success_at=NOW - timedelta(minutes=2),
                             last_new_item_at=NOW - timedelta(hours=10)),
    }
    session.add_all(rows.values())
    session.flush()
    polls = []
    for minute in range(0, 24 * 60 * 3, 30):  # three days of polls every 30 min
        at = NOW - timedelta(minutes=minute + 5)
        polls.append(SourcePoll(source_id=rows["city-forum"].id, started_at=at, outcome="ok", items_found=20,
                                items_new=1 if minute % 60 == 0 else 0))
        failing = minute < 40
        polls.append(SourcePoll(source_id=rows["news-rss"].id, started_at=at - timedelta(minutes=5),
                                outcome="error" if failing else "ok", items_new=0 if failing else 1,
                                error="HTTP 503 Service Unavailable" if failing else None))
        quiet = at > NOW - timedelta(hours=10)
        polls.append(SourcePoll(source_id=rows["weibo-like"].id, started_at=at - timedelta(minutes=3),
                                outcome="ok", items_new=0 if quiet else 2))
    session.add_all(polls)
    return rows


def _post(session: Session, source: Source, key: str, seen: datetime, title: str, *, relevant: bool | None,
          negative: bool = False, negativity: float = 0.2, category: str | None = None,
          site: str | None = None, views: int | None = None, replies: int | None = None,
          url: str | None = None) -> Post:
    post = Post(key=f"k-{key}", source_id=source.id, site=site or source.site,
                url=url or f"https://{site or source.site}/t/{key}", title=title, body=title,
                published_at=seen - timedelta(minutes=7), first_seen_at=seen, last_seen_at=seen,
                views=views, replies=replies, reposts=None if views is None else views // 100)
    session.add(post)
    if relevant is not None:
        _PENDING.append((post, PostAnalysis(model_version="test", negativity=negativity, negative=negative,
                                            relevant=relevant, category=category,
                                            schemes=["交通局"] if relevant else [], keywords=[])))
    return post


_PENDING: list[tuple[Post, PostAnalysis]] = []


def _flush(session: Session) -> None:
    """Insert the posts added so far in one go, then their analyses."""
    session.flush()
    for post, analysis in _PENDING:
        analysis.post_id = post.id
        session.add(analysis)
    _PENDING.clear()
    session.flush()


def _posts(session: Session, sources: dict[str, Source]) -> None:
    rng = random.Random(20261120)
    source_list = list(sources.values())
    for offset in range(8):  # DAY-7 … DAY, plus the small hours of the next morning
        day = DAY - timedelta(days=offset)
        for n in range(40 + 7 * offset):
            seen = local(day, 0) + timedelta(seconds=rng.randrange(24 * 3600))
            negativity = rng.random()
            analysed = rng.random() > 0.05
            _post(session, rng.choice(source_list), f"{day}-{n}", seen, rng.choice(TITLES),
                  relevant=(rng.random() < 0.7) if analysed else None, negative=negativity >= 0.6,
                  negativity=round(negativity, 3), category=rng.choice(CATEGORIES),
                  site=rng.choice(SITES), views=rng.choice([None, rng.randrange(20000)]),
                  replies=rng.randrange(300))
    forum = sources["city-forum"]
    # the edges of the day: 23:59:59 the day before, 00:00:00 exactly, 23:59:59, 00:00 the day after
    for key, seen in (("edge-a", local(DAY, 0) - timedelta(seconds=1)), ("edge-b", local(DAY, 0)),
                      ("edge-c", local(DAY + timedelta(days=1), 0) - timedelta(seconds=1)),
                      ("edge-d", local(DAY + timedelta(days=1), 0)), ("edge-e", NOW - timedelta(hours=1))):
        _post(session, forum, key, seen, f"边界 {key}", relevant=True, negative=True, negativity=0.9,
              category="problem")
    _post(session, forum, "js-link", local(DAY, 11), "[点我](javascript:alert(1)) *粗体* | 竖线",
          relevant=True, negative=True, negativity=0.95, url="javascript:alert(1)")


def _story(session: Session, posts: list[Post], **values: object) -> Story:
    _flush(session)
    story = Story(first_post_id=posts[0].id, first_site=posts[0].site, posts=len(posts),
                  sites=sorted({p.site for p in posts}), **values)
    session.add(story)
    session.flush()
    for post in posts:
        session.add(StoryPost(post_id=post.id, story_id=story.id, joined_at=post.first_seen_at))
    return story


def _stories(session: Session, sources: dict[str, Source]) -> dict[str, Story]:
    forum, news = sources["city-forum"], sources["news-rss"]

    def posts(name: str, times: list[datetime], sites: list[str]) -> list[Post]:
        return [_post(session, forum, f"{name}-{i}", t, f"{name} 第 {i} 帖", relevant=True, negative=True,
                      negativity=0.8, category="emergency", site=s, views=1000 * (i + 1), replies=50)
                for i, (t, s) in enumerate(zip(times, sites, strict=True))]

    major = _story(
        session, posts("高架桥裂缝", [local(DAY - timedelta(days=1), 22), local(DAY, 8), local(DAY, 9),
                                      local(DAY, 14)], SITES[:3] + SITES[:1]),
        title="网传高架桥出现裂缝 交通局回应", first_seen_at=local(DAY - timedelta(days=1), 22),
        last_post_at=local(DAY, 14), negativity=0.86, negative=True, relevant=True, category="emergency",
        clicks_24h=12430, reposts=320, clicks_per_hour=812.5, tier="major", tier_at=local(DAY, 14, 30),
        tier_reason="sites 3 ≥ 2 and clicks_24h 12,430 > 10,000",
        forecast={"next_tier": "critical", "eta_hours": 6.0, "text": "预计约 6 小时后达到特别重大"},
    )
    significant = _story(
        session, posts("出租车拒载", [local(DAY - timedelta(days=1), 19), local(DAY, 7)], SITES[1:3]),
        title="出租车拒载问题突出", first_seen_at=local(DAY - timedelta(days=1), 19), last_post_at=local(DAY, 7),
        negativity=0.72, negative=True, relevant=True, category="problem", clicks_24h=1500, reposts=40,
        clicks_per_hour=62.5, tier="significant", tier_at=local(DAY - timedelta(days=1), 20),
        tier_reason="sites 2 ≥ 2 and clicks_24h 1,500 > 1,000",
    )
    general = _story(
        session, posts("红绿灯", [local(DAY, 16)], SITES[3:4]), title="路口红绿灯故障",
        first_seen_at=local(DAY, 16), last_post_at=local(DAY, 16), negativity=0.65, negative=True,
        relevant=True, category="problem", clicks_24h=300, reposts=1, tier="general", tier_at=local(DAY, 16),
        tier_reason="relevant and negative",
    )
    stale = _story(
        session, posts("旧事件", [local(DAY - timedelta(days=3), 10)], SITES[:1]), title="三天前的特别重大事件",
        first_seen_at=local(DAY - timedelta(days=3), 10), last_post_at=local(DAY - timedelta(days=2), 10),
        negativity=0.9, negative=True, relevant=True, tier="critical", tier_at=local(DAY - timedelta(days=3), 12),
        tier_reason="reposts 600 > 500", clicks_24h=0, reposts=600,
    )
    fresh = _story(session, posts("夜班公交", [local(DAY, 12)], SITES[4:5]), title="建议增加夜班公交",
                   first_seen_at=local(DAY, 12), last_post_at=local(DAY, 12), negativity=0.1, relevant=True)
    unrelated = _story(session, [_post(session, news, "无关", local(DAY, 13), "体育新闻", relevant=False)],
                       title="体育新闻", first_seen_at=local(DAY, 13), last_post_at=local(DAY, 13))
    script = _story(session, posts("脚本", [local(DAY, 10, 6)], SITES[:1]), title=SCRIPT_TITLE,
                    first_seen_at=local(DAY, 10, 6), last_post_at=local(DAY, 10, 6), negativity=0.95,
                    negative=True, relevant=True, tier="general", tier_at=local(DAY, 10, 6),
                    tier_reason="relevant <b>and</b> negative")
    changes = [(significant, None, "significant", local(DAY - timedelta(days=1), 20)),
               (major, None, "significant", local(DAY, 9, 10)), (major, "significant", "major", local(DAY, 14, 30)),
               (general, None, "general", local(DAY, 16)), (script, None, "general", local(DAY, 10, 6)),
               (stale, None, "critical", local(DAY - timedelta(days=3), 12))]
    for story, previous, tier, at in changes:
        session.add(TierChange(story_id=story.id, tier=tier, previous_tier=previous, reason="test", raised_at=at))
    return {"major": major, "significant": significant, "general": general, "stale": stale, "fresh": fresh,
            "unrelated": unrelated, "script": script}


def _incidents(session: Session, stories: dict[str, Story]) -> dict[str, int]:
    before = DAY - timedelta(days=1)
    rows = {
        "major": Incident(story_id=stories["major"].id, status="responded", tier="major", category="emergency",
                          opened_at=local(DAY, 9, 10), report_by=local(DAY, 9, 40), facts_by=local(DAY, 11, 10),
                          respond_by=local(DAY, 21, 10), acknowledged_at=local(DAY, 9, 30),
                          acknowledged_by="张三", responded_at=local(DAY, 22)),
        "significant": Incident(story_id=stories["significant"].id, status="open", tier="significant",
                                category="problem", opened_at=local(before, 20), report_by=local(before, 20, 30),
                                respond_by=local(DAY, 8)),
        "general": Incident(story_id=stories["general"].id, status="acknowledged", tier="general",
                            opened_at=local(DAY, 23), report_by=local(DAY, 23, 30),
                            respond_by=local(DAY + timedelta(days=1), 11), acknowledged_at=local(DAY, 23, 20),
                            acknowledged_by="李四"),
        "stale": Incident(story_id=stories["stale"].id, status="closed", tier="critical",
                          opened_at=local(DAY - timedelta(days=3), 12), closed_at=local(DAY - timedelta(days=2), 9),
                          summary="已处置"),
    }
    session.add_all(rows.values())
    session.flush()
    return {k: v.id for k, v in rows.items()}
