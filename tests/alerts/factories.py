"""Rows the analysis stage would write, made directly: posts, a story, a tier change."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from yuqing.analysis.models import Story, StoryPost, TierChange
from yuqing.collector.models import Post

_serial = itertools.count(1)


def make_story(
    session: Session, *, now: datetime, title: str = "网传某区交通局违规收费", sites: tuple[str, ...] = ("bbs.example.cn", "news.example.cn"),
    schemes: tuple[str, ...] = ("交通局",), category: str | None = "problem", views: int = 500,
    summary: str = "多名市民反映在办理业务时被额外收费。",
) -> Story:
    """A negative story with one post per site."""
    story = Story(title=title, summary=summary, first_site=sites[0], first_seen_at=now, last_post_at=now,
                  negativity=0.91, negative=True, relevant=True, category=category, schemes=list(schemes),
                  sites=list(sites), posts=len(sites), clicks_24h=12430, reposts=320, clicks_per_hour=812.5,
                  metrics={}, dirty=False)
    session.add(story)
    session.flush()
    for site in sites:
        add_post(session, story, site=site, now=now, views=views, title=title)
    story.first_post_id = story.members[0].post_id if story.members else None
    session.flush()
    return story


def add_post(session: Session, story: Story, *, site: str, now: datetime, views: int = 100, title: str = "") -> Post:
    """Another copy of the story's statement, joined now."""
    n = next(_serial)
    post = Post(key=f"post-{n}", site=site, url=f"http://{site}/thread-{n}.html", title=title or story.title,
                first_seen_at=now, last_seen_at=now, views=views, replies=10, reposts=0)
    session.add(post)
    session.flush()
    session.add(StoryPost(post_id=post.id, story_id=story.id, joined_at=now))
    session.flush()
    session.refresh(story)
    return post


def raise_tier(
    session: Session, story: Story, tier: str, *, now: datetime, previous: str | None = None,
    reason: str = "sites 2 ≥ 2 and clicks_24h 12,430 > 10,000", metrics: dict[str, Any] | None = None,
) -> TierChange:
    """What `analysis.jobs.update_stories` writes with a story's tier change."""
    story.tier, story.tier_reason, story.tier_at = tier, reason, now
    change = TierChange(story_id=story.id, tier=tier, previous_tier=previous, reason=reason,
                        metrics=metrics or {"sites": len(story.sites), "posts": story.posts,
                                            "clicks_24h": story.clicks_24h, "reposts": story.reposts,
                                            "clicks_per_hour": story.clicks_per_hour},
                        raised_at=now, dispatched_at=None)
    session.add(change)
    session.flush()
    return change


HOSTILE_TITLE = "网传交通局[点我](http://evil.example/phish) <script>alert(1)</script> @all **紧急**"


def sample_payload(uid_key: str = "story:42:tier:major:channel:hook", **overrides: Any) -> dict[str, Any]:
    """A docs/spec.md §9 payload whose web text tries every injection we know."""
    from datetime import UTC

    from yuqing.alerts.payload import StoryFacts, alert_uid, build_payload

    facts = StoryFacts(
        story_id=42, title=overrides.pop("title", HOSTILE_TITLE),
        summary="摘要 <img src=x onerror=alert(1)> # 标题\n> 引用 [链接](javascript:alert(1))",
        category="emergency", schemes=["交通局"], negativity=0.91,
        sites=["bbs.example.cn", "news.example.cn"],
        urls=["http://bbs.example.cn/thread-1.html?a=(1)", "javascript:alert(1)", "https://news.example.cn/a"],
        first_url="http://bbs.example.cn/thread-1.html?a=(1)",
        first_seen_at=datetime(2026, 11, 21, 0, 3, tzinfo=UTC),
        metrics={"sites": 2, "posts": 7, "clicks_24h": 12430, "reposts": 320, "clicks_per_hour": 812.5},
    )
    payload = build_payload(
        overrides.pop("event", "story.tier_raised"), uid=alert_uid(uid_key), facts=facts,
        tier=overrides.pop("tier", "major"), previous_tier="significant",
        reason="sites 2 ≥ 2 and clicks_24h 12,430 > 10,000",
        detected_at=datetime(2026, 11, 21, 1, 41, 12, tzinfo=UTC),
        deadlines={"report_by": datetime(2026, 11, 21, 2, 11, 12, tzinfo=UTC)},
        guidance="赶赴现场调查,两小时内通过媒体发布事实", timezone="Asia/Shanghai",
    )
    payload.update(overrides)
    return payload
