"""Analysis-stage queries over step-wise snapshots: a window that starts between two snapshots."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.analysis.factory import STATEMENT, T0
from yuqing.analysis.jobs import update_stories
from yuqing.analysis.metrics import DAY, compute_metrics
from yuqing.analysis.models import Story, StoryPost
from yuqing.analysis.store import list_story_facts
from yuqing.collector.items import RawPost
from yuqing.collector.models import Snapshot
from yuqing.collector.store import save_posts, save_sources
from yuqing.config.database import transaction
from yuqing.config.settings import Settings, SourceSettings

H = timedelta(hours=1)
SOURCE = SourceSettings(name="bbs", kind="discuz", url="http://127.0.0.1/forum.php?mod=forumdisplay&fid=2")


def _poll_every_5_minutes(db: sessionmaker[Session], views_at: dict[int, int], hours: int) -> int:
    """Poll one thread for `hours`, its views changing at the given hours; return the post id."""
    views = 0
    with transaction(db) as session:
        source = save_sources(session, [SOURCE])["bbs"]
        for minute in range(0, hours * 60, 5):
            views = views_at.get(minute // 60, views) if minute % 60 == 0 else views
            item = RawPost(title="交通局门口渣土车撞人", url="http://127.0.0.1/thread-1-1-1.html", site="bbs.a.cn",
                           body=STATEMENT, published_at=T0 - 48 * H, views=views, replies=0)
            save_posts(session, source, [item], T0 + timedelta(minutes=minute))
        post_id = session.scalar(select(Snapshot.post_id).limit(1))
        story = Story(title="交通局门口渣土车撞人", first_seen_at=T0, last_post_at=T0, dirty=True)
        session.add(story)
        session.flush()
        session.add(StoryPost(post_id=post_id, story_id=story.id, joined_at=T0))
    return post_id


def test_metrics_start_a_window_from_the_count_held_before_it(db: sessionmaker[Session]) -> None:
    post_id = _poll_every_5_minutes(db, {0: 100, 5: 400, 30: 1_000}, hours=40)
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Snapshot)) == 3  # 480 polls, three changes
        now = T0 + 36 * H  # the 24-hour window starts at T0 + 12 h, between the 2nd and 3rd snapshot
        story_id = session.scalar(select(Story.id))
        windowed = list_story_facts(session, [story_id], now, since=now - DAY)
        whole = list_story_facts(session, [story_id], now)
    assert [o.at for o in windowed[story_id][0].observations] == [T0 + 5 * H, T0 + 30 * H]
    assert compute_metrics(windowed[story_id], now).clicks_24h == 600 == compute_metrics(whole[story_id], now).clicks_24h
    assert windowed[story_id][0].post_id == post_id


def test_the_story_job_reads_the_held_count_at_the_window_start(db: sessionmaker[Session]) -> None:
    _poll_every_5_minutes(db, {0: 100, 5: 400, 30: 1_000}, hours=40)
    update_stories(Settings(), db, now=T0 + 5 * H + 30 * timedelta(minutes=1))
    with db() as session:
        assert session.scalars(select(Story)).one().metrics["clicks_per_hour"] == 300.0  # 100 held → 400
    update_stories(Settings(), db, now=T0 + 35 * H)  # both windows start while 400 is held
    with db() as session:
        story = session.scalars(select(Story)).one()
        assert story.clicks_24h == 600 and story.metrics["clicks_per_hour_6h"] == 100.0
