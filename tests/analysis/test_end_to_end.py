"""Stories and tiers end to end over real HTTP: the simulator's GBK Discuz! board, a second board
with a 【转】 reprint, an RSS feed and a weibo-like list, polled pass by pass with rising counts.

The main statement must reach significant, major and critical at exactly the polls where the
thresholds are crossed (docs/spec.md §3 defaults), the repost-only story likewise, while a positive story
and a neutral notice with the same reach, and a negative story about another subject, get no tier.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from yuqing.analysis.models import Story, StoryPost, TierChange
from yuqing.collector.models import Post
from yuqing.config.database import utcnow
from yuqing.config.loading import load_settings
from yuqing.config.types import tier_rank
from yuqing.service.demo import scenario_start, write_demo_config
from yuqing.service.pipeline import run_pass
from yuqing.simulator import scenario
from yuqing.simulator.receiver import WebhookReceiver
from yuqing.simulator.sites import SimulatedSites


def expected_tier(label: str, step: int) -> str | None:
    """The tier a scenario story should hold after the pass of `step`."""
    if scenario.EXPECTED_TIERS[label] is None:
        return None
    first = min(i.first_step for i in scenario.ITEMS if i.story == label)
    if step < first:
        return None
    raised = [e.tier for e in scenario.EXPECTED_ALERTS if e.story == label and e.step <= step and e.tier]
    return max(raised, key=tier_rank) if raised else "general"


def stories_by_label(sessions: sessionmaker[Session]) -> dict[str, Story]:
    """The stored story of each scenario label, found through its posts' URLs."""
    found: dict[str, Story] = {}
    with sessions() as session:
        rows = session.execute(select(Story, Post.url).join(StoryPost, StoryPost.story_id == Story.id)
                               .join(Post, Post.id == StoryPost.post_id)).all()
    for story, url in rows:
        label = scenario.story_of_url(url)
        if label is not None:
            assert found.setdefault(label, story).id == story.id, f"{label} was split over two stories"
    return found


def test_tiers_are_reached_at_the_polls_that_cross_the_thresholds(db, db_url: str, tmp_path: Path) -> None:
    start = scenario_start(utcnow())
    with SimulatedSites(start=start) as sites, WebhookReceiver() as receiver:
        config = write_demo_config(tmp_path, sites, receiver)
        text = config.read_text(encoding="utf-8").replace('url = "sqlite:///yuqing-demo.db"', f'url = "{db_url}"')
        config.write_text(text, encoding="utf-8")
        settings, _ = load_settings(str(config))
        for step in range(scenario.STEPS):
            now = start + timedelta(minutes=scenario.STEP_MINUTES * step)
            if step:
                sites.advance(now)
            run_pass(settings, db, now=now)
            stories = stories_by_label(db)
            for label in scenario.EXPECTED_TIERS:
                got = stories[label].tier if label in stories else None
                assert got == expected_tier(label, step), f"step {step}: {label} is {got}"

    main = stories["main"]
    assert set(main.sites) == {"bbs.jiangcheng.example", "life.jiangcheng.example", "news.jiangcheng.example"}
    assert main.first_site == "bbs.jiangcheng.example"  # 源头: the GBK board where it first appeared
    with db() as session:
        changes = session.execute(select(TierChange.tier, TierChange.reason)
                                  .where(TierChange.story_id == main.id).order_by(TierChange.raised_at)).all()
        reposts_changes = session.scalars(select(TierChange.reason)
                                          .where(TierChange.story_id == stories["reposts"].id)).all()
    assert [tier for tier, _ in changes] == ["general", "significant", "major", "critical"]
    assert all(reason.startswith("sites 3 ≥ 2 and clicks_24h ") for _, reason in changes[1:])
    assert all(reason.startswith("reposts ") for reason in reposts_changes[1:])
    for label in ("positive", "notice", "hospital"):
        assert stories[label].tier is None
        assert stories[label].clicks_24h >= 10_000, f"{label} must have the reach of a tiered story"
