"""The story jobs on the real database: assignment, metrics, tiers and their history, bursts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.analysis.factory import OFFICIAL_REPLY, STATEMENT, T0, add_post, add_snapshot
from yuqing.analysis.assignment import assign_stories
from yuqing.analysis.jobs import detect_bursts, update_stories
from yuqing.analysis.models import Burst, Story, StoryBand, StoryPost, TierChange
from yuqing.analysis.stories import TITLE_BAND
from yuqing.config.database import transaction
from yuqing.config.settings import Settings
from yuqing.service.pipeline import STEPS

H = timedelta(hours=1)


def _story_of(session: Session, post_id: int) -> int:
    return session.scalar(select(StoryPost.story_id).where(StoryPost.post_id == post_id))


def test_copies_across_sites_join_one_story_and_the_official_reply_does_not(db: sessionmaker[Session]) -> None:
    settings = Settings()
    with transaction(db) as s:
        original = add_post(s, site="bbs.a.cn", title="交通局门口渣土车撞人", body=STATEMENT, seen=T0)
        reprint = add_post(s, site="bbs.b.cn", title="【转】交通局门口渣土车撞人",
                           body="转自本地论坛:" + STATEMENT, seen=T0 + H)
        retitled = add_post(s, site="news.c.cn", title="市民等公交被撞 目击者称司机在打电话",
                            body="原标题:交通局门口渣土车撞人\n" + STATEMENT[:90], seen=T0 + 2 * H)
        traditional = add_post(s, site="tw.d.cn", title="交通局門口渣土車撞人",
                               body="11月20日晚8點左右,市交通局門口的人行道上一輛渣土車失控衝上路邊,"
                                    "撞倒三名等公交的市民,其中一名老人當場昏迷被送往醫院。", seen=T0 + 2 * H)
        reply = add_post(s, site="gov.e.cn", title="情况通报", body=OFFICIAL_REPLY, seen=T0 + 3 * H,
                         negativity=0.2)
        unanalysed = add_post(s, site="bbs.b.cn", title="x", body=STATEMENT, seen=T0, analysed=False)
    summary = assign_stories(settings, db, now=T0 + 4 * H)
    assert (summary.posts, summary.founded, summary.joined) == (5, 2, 3)
    with db() as s:
        story = _story_of(s, original.id)
        assert {_story_of(s, p.id) for p in (reprint, retitled, traditional)} == {story}
        assert _story_of(s, reply.id) not in (None, story)
        assert _story_of(s, unanalysed.id) is None
        assert s.scalar(select(func.count()).select_from(StoryBand).where(StoryBand.band != TITLE_BAND)) == 5 * 21
    again = assign_stories(settings, db, now=T0 + 5 * H)
    assert again.posts == 0


def test_a_later_copy_joins_the_stored_story_inside_the_window_only(db: sessionmaker[Session]) -> None:
    settings = Settings()
    with transaction(db) as s:
        first = add_post(s, site="a.cn", title="渣土车撞人", body=STATEMENT, seen=T0)
    assign_stories(settings, db, now=T0)
    with transaction(db) as s:
        inside = add_post(s, site="b.cn", title="转发:渣土车撞人", body=STATEMENT, seen=T0 + 71 * H)
        outside = add_post(s, site="c.cn", title="渣土车撞人", body=STATEMENT, seen=T0 + 150 * H)
    assign_stories(settings, db, now=T0 + 150 * H)
    with db() as s:
        assert _story_of(s, inside.id) == _story_of(s, first.id)
        assert _story_of(s, outside.id) != _story_of(s, first.id)
        story = s.get(Story, _story_of(s, first.id))
        assert story.dirty and story.last_post_at == T0 + 71 * H
        bands = dict(s.execute(select(StoryBand.post_id, func.count()).where(StoryBand.band != TITLE_BAND)
                               .group_by(StoryBand.post_id)).all())
        assert bands == {inside.id: 21, outside.id: 21}  # the first post's bands left with the window


def _spread(db: sessionmaker[Session], settings: Settings) -> tuple[int, list]:
    """An original on one board, a 【转】 copy on another one hour later, counts rising."""
    with transaction(db) as s:
        a = add_post(s, site="bbs.a.cn", title="交通局门口渣土车撞人", body=STATEMENT, seen=T0,
                     published=T0 - timedelta(minutes=10), views=100, replies=5)
    assign_stories(settings, db, now=T0)
    update_stories(settings, db, now=T0)
    with transaction(db) as s:
        b = add_post(s, site="bbs.b.cn", title="【转】交通局门口渣土车撞人", body=STATEMENT, seen=T0 + H,
                     published=T0 + H, views=400, replies=0)
    assign_stories(settings, db, now=T0 + H)
    with db() as s:
        story_id = _story_of(s, a.id)
    return story_id, [a, b]


def test_tiers_rise_with_the_counts_and_are_recorded_once_each(db: sessionmaker[Session]) -> None:
    settings = Settings()
    story_id, (a, b) = _spread(db, settings)
    first = update_stories(settings, db, now=T0 + H)
    with db() as s:
        story = s.get(Story, story_id)
        assert (story.tier, story.posts, story.sites, story.clicks_24h, story.reposts) == (
            "general", 2, ["bbs.a.cn", "bbs.b.cn"], 505, 1)
        assert story.first_site == "bbs.a.cn" and story.title == "交通局门口渣土车撞人"
    assert first.raised == []  # general was reached at T0 already
    with transaction(db) as s:
        add_snapshot(s, s.get(type(a), a.id), T0 + 2 * H, views=700, replies=20)
        add_snapshot(s, s.get(type(b), b.id), T0 + 2 * H, views=9_000, replies=281)
    raised = update_stories(settings, db, now=T0 + 2 * H)
    assert raised.raised == [(story_id, "major")]
    with db() as s:
        story = s.get(Story, story_id)
        assert story.clicks_24h == 10_001
        assert story.tier_reason == "sites 2 ≥ 2 and clicks_24h 10,001 > 10,000"
        changes = s.scalars(select(TierChange).where(TierChange.story_id == story_id)
                            .order_by(TierChange.raised_at)).all()
        assert [(c.tier, c.previous_tier) for c in changes] == [("general", None), ("major", "general")]
        assert changes[1].metrics["clicks_24h"] == 10_001 and changes[1].raised_at == T0 + 2 * H
        assert story.metrics["clicks_per_hour"] == 9_896.0
        assert story.forecast["tier"] == "critical" and story.forecast["via"] == "clicks_24h"
    quiet = update_stories(settings, db, now=T0 + 2 * H)
    assert quiet.stories == 0
    later = update_stories(settings, db, now=T0 + 40 * H)  # growth has left the 24 h window
    assert later.raised == []
    with db() as s:
        story = s.get(Story, story_id)
        assert (story.tier, story.clicks_24h) == ("major", 0)  # a tier never goes down


@pytest.mark.parametrize(("negativity", "relevant"), [(0.1, True), (0.9, False)])
def test_positive_or_irrelevant_stories_get_no_tier(db: sessionmaker[Session], negativity: float,
                                                     relevant: bool) -> None:
    settings = Settings()
    with transaction(db) as s:
        for site in ("a.cn", "b.cn", "c.cn"):
            add_post(s, site=site, title="交通局为民服务获点赞", body=STATEMENT, seen=T0, published=T0,
                     views=90_000, reposts=900, negativity=negativity, relevant=relevant)
    assign_stories(settings, db, now=T0)
    update_stories(settings, db, now=T0)
    with db() as s:
        story = s.scalars(select(Story)).one()
        assert story.tier is None and story.clicks_24h == 270_000 and story.reposts == 2_702
        assert s.scalar(select(func.count()).select_from(TierChange)) == 0


def test_negative_threshold_from_config_overrides_the_post_flags(db: sessionmaker[Session]) -> None:
    settings = Settings.model_validate({"tiers": {"negative_threshold": 0.4}})
    with transaction(db) as s:
        add_post(s, site="a.cn", title="交通局门口渣土车撞人", body=STATEMENT, seen=T0, negativity=0.45,
                 negative=False)
    assign_stories(settings, db, now=T0)
    update_stories(settings, db, now=T0)
    with db() as s:
        assert s.scalars(select(Story)).one().tier == "general"


def test_bursts_flag_a_surge_once_and_not_the_usual_volume(db: sessionmaker[Session]) -> None:
    settings = Settings()
    now = T0 + timedelta(days=8)
    with transaction(db) as s:
        for hour in range(8 * 24):  # one post an hour for eight days
            add_post(s, site="a.cn", title=f"日常{hour}", body="", seen=T0 + hour * H)
    assert detect_bursts(settings, db, now=now).bursts == []
    with transaction(db) as s:
        for minute in range(12):
            add_post(s, site="b.cn", title=f"突发{minute}", seen=now - timedelta(minutes=50 - minute))
    found = detect_bursts(settings, db, now=now)
    assert len(found.bursts) == 1 and found.bursts[0].startswith("*: 13 posts in the last hour")
    assert detect_bursts(settings, db, now=now + timedelta(minutes=5)).bursts == []
    with db() as s:
        burst = s.scalars(select(Burst)).one()
        assert burst.observed == 13 and burst.expected == pytest.approx(1.0) and burst.p_value < 1e-6


def test_the_pipeline_runs_the_story_steps_in_order() -> None:
    names = [name for name, _ in STEPS]
    story_steps = ["analysis.assign_stories", "analysis.update_stories", "analysis.detect_bursts"]
    start = names.index("analysis.assign_stories")
    assert names[start:start + 3] == story_steps
    assert names.index("analysis.analyze_posts") < start < names.index("alerts.raise_alerts")
