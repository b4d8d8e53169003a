"""Retention removes what is older than configured and archives stories, keeping their figures."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from yuqing.alerts.models import Incident
from yuqing.analysis.models import Story, StoryPost
from yuqing.collector.evidence import pack_page, unpack_page
from yuqing.collector.models import EvidencePage, Post, Snapshot, Source, SourcePoll
from yuqing.config.database import transaction
from yuqing.config.loading import parse_settings
from yuqing.service.models import JobRun
from yuqing.service.retention import apply_retention
from yuqing.service.store import thin_snapshots

NOW = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_old_rows_go_and_stories_are_archived_with_their_figures(db: sessionmaker[Session], tmp_path) -> None:
    settings = parse_settings({"retention": {"posts": "180d", "snapshots": "30d"}}, base_dir=tmp_path, origin="t")
    old, recent = NOW - timedelta(days=200), NOW - timedelta(days=2)
    with transaction(db) as session:
        source = Source(name="news", kind="rss", url="http://127.0.0.1/", site="news.example")
        session.add(source)
        session.flush()
        for n, seen in enumerate((old, recent)):
            post = Post(key=f"k{n}", source_id=source.id, site="news.example", url=f"http://x/{n}",
                        first_seen_at=seen, last_seen_at=seen)
            session.add(post)
            session.flush()
            session.add_all([Snapshot(post_id=post.id, taken_at=seen, views=10),
                             Snapshot(post_id=post.id, taken_at=NOW - timedelta(days=1), views=20)])
            session.add(SourcePoll(source_id=source.id, started_at=seen, outcome="ok"))
        session.add_all([Story(title="old", first_seen_at=old, last_post_at=old, clicks_24h=1234, posts=3),
                         Story(title="new", first_seen_at=recent, last_post_at=recent)])
        session.add(JobRun(job_id="collector.collect:gone", started_at=NOW - timedelta(days=40)))
    summary = apply_retention(settings, db, now=NOW)
    assert (summary.posts, summary.stories_archived, summary.polls, summary.job_runs) == (1, 1, 1, 1)
    # the 200-day-old snapshot is the count the old post held 30 days ago: it stays (and goes with the post)
    assert summary.snapshots == 0
    with db() as session:
        assert [p.key for p in session.scalars(select(Post))] == ["k1"]
        assert _count(session, Snapshot) == 2 and _count(session, SourcePoll) == 1 and _count(session, JobRun) == 0
        stories = {s.title: s for s in session.scalars(select(Story))}
    assert stories["old"].archived and stories["old"].clicks_24h == 1234 and stories["old"].posts == 3
    assert not stories["new"].archived
    again = apply_retention(settings, db, now=NOW)
    assert str(again) == ("removed 0 snapshots (0 thinned to hourly), 0 polls, 0 posts, 0 deliveries, 0 job runs, "
                          "the bytes of 0 evidence pages; archived 0 stories")


def test_a_kept_post_keeps_its_latest_snapshot(db: sessionmaker[Session], tmp_path) -> None:
    settings = parse_settings({"retention": {"posts": "180d", "snapshots": "30d"}}, base_dir=tmp_path, origin="t")
    seen = NOW - timedelta(days=60)
    with transaction(db) as session:
        source = Source(name="news", kind="rss", url="http://127.0.0.1/", site="news.example")
        session.add(source)
        session.flush()
        post = Post(key="k", source_id=source.id, site="news.example", url="http://x/k",
                    first_seen_at=seen, last_seen_at=seen + timedelta(days=5))
        session.add(post)
        session.flush()
        session.add_all([Snapshot(post_id=post.id, taken_at=seen, reposts=10),
                         Snapshot(post_id=post.id, taken_at=seen + timedelta(days=5), reposts=40)])
    summary = apply_retention(settings, db, now=NOW)
    assert summary.snapshots == 1
    with db() as session:
        assert [(s.taken_at, s.reposts) for s in session.scalars(select(Snapshot))] == [(seen + timedelta(days=5), 40)]


def test_a_story_that_still_grows_keeps_its_oldest_posts(db: sessionmaker[Session], tmp_path) -> None:
    settings = parse_settings({"retention": {"posts": "180d"}}, base_dir=tmp_path, origin="t")
    old, recent = NOW - timedelta(days=200), NOW - timedelta(days=3)
    with transaction(db) as session:
        posts = [Post(key=key, site="a.example", url=f"http://a/{key}", first_seen_at=seen, last_seen_at=seen)
                 for key, seen in (("origin", old), ("copy", recent), ("alone", old), ("faded", old))]
        session.add_all(posts)
        growing = Story(title="growing", first_seen_at=old, last_post_at=recent)
        faded = Story(title="faded", first_seen_at=old, last_post_at=old)
        session.add_all([growing, faded])
        session.flush()
        session.add_all([StoryPost(post_id=posts[0].id, story_id=growing.id, joined_at=old),
                         StoryPost(post_id=posts[1].id, story_id=growing.id, joined_at=recent),
                         StoryPost(post_id=posts[3].id, story_id=faded.id, joined_at=old)])
    summary = apply_retention(settings, db, now=NOW)
    assert (summary.posts, summary.stories_archived) == (2, 1)
    with db() as session:
        assert sorted(p.key for p in session.scalars(select(Post))) == ["copy", "origin"]
        assert session.scalar(select(Story.archived).where(Story.title == "faded"))


def test_evidence_stays_while_its_incident_is_open_or_recently_closed(db: sessionmaker[Session], tmp_path) -> None:
    settings = parse_settings({"retention": {"posts": "180d"}, "evidence": {"keep_after_close": "365d"}},
                              base_dir=tmp_path, origin="t")
    old = NOW - timedelta(days=500)
    raw = "<html><title>江城市交通运输局</title></html>".encode("gbk")
    closed = {"open": None, "recent": NOW - timedelta(days=100), "expired": NOW - timedelta(days=400),
              "young": NOW - timedelta(days=400)}
    with transaction(db) as session:
        for name, closed_at in closed.items():
            seen = NOW - timedelta(days=2) if name == "young" else old  # young: a post too new to go
            story = Story(title=name, first_seen_at=seen, last_post_at=seen)
            post = Post(key=name, site="bbs.example", url=f"http://bbs.example/{name}", first_seen_at=seen,
                        last_seen_at=seen)
            session.add_all([story, post])
            session.flush()
            session.add_all([
                StoryPost(story_id=story.id, post_id=post.id, joined_at=seen),
                Incident(story_id=story.id, status="closed" if closed_at else "open", tier="major",
                         opened_at=seen, closed_at=closed_at),
                EvidencePage(post_id=post.id, url=post.url, fetched_at=seen, status=200, headers=[],
                             sha256=hashlib.sha256(raw).hexdigest(), raw_size=len(raw), content=pack_page(raw).compressed,
                             stored_size=40, screenshot=b"\x89PNG", watching=False)])
    summary = apply_retention(settings, db, now=NOW)
    assert (summary.posts, summary.evidence_expired) == (1, 2)  # `expired`'s post goes; two pages lose bytes
    with db() as session:
        pages = {session.get(Post, p.post_id).key: p for p in session.scalars(select(EvidencePage))}
    assert set(pages) == {"open", "recent", "young"}
    for name in ("open", "recent"):  # a 500-day-old post kept for its incident, its page as fetched
        assert unpack_page(pages[name].content or b"") == raw and pages[name].screenshot == b"\x89PNG"
    young = pages["young"]
    assert young.content is None and young.screenshot is None and young.stored_size == 0
    assert young.sha256 == hashlib.sha256(raw).hexdigest() and "keep_after_close" in (young.note or "")


def _polled_post(session: Session, key: str, start: datetime, polls: int, every: timedelta,
                 views_at: Callable[[int], int]) -> Post:
    """A post with a snapshot at every poll whose views changed (the collector's rule)."""
    post = Post(key=key, site="bbs.example", url=f"http://x/{key}", first_seen_at=start,
                last_seen_at=start + every * (polls - 1))
    session.add(post)
    session.flush()
    last = None
    for n in range(polls):
        if (views := views_at(n)) != last:
            session.add(Snapshot(post_id=post.id, taken_at=start + every * n, views=views))
            last = views
    return post


def _series(session: Session, post_id: int) -> list[tuple[datetime, int]]:
    return [(s.taken_at, s.views) for s in session.scalars(
        select(Snapshot).where(Snapshot.post_id == post_id).order_by(Snapshot.taken_at))]


def _held(series: list[tuple[datetime, int]], at: datetime) -> int | None:
    values = [v for t, v in series if t <= at]
    return values[-1] if values else None


def test_snapshots_older_than_48_hours_are_thinned_to_one_an_hour(db: sessionmaker[Session], tmp_path) -> None:
    settings = parse_settings({}, base_dir=tmp_path, origin="t")
    start = NOW - timedelta(days=4, minutes=7)  # off the hour: polls at :03, :08, …
    with transaction(db) as session:
        busy = _polled_post(session, "busy", start, 4 * 288, timedelta(minutes=5), lambda n: 10 * n)
        quiet = _polled_post(session, "quiet", start, 4 * 288, timedelta(minutes=5), lambda n: n // 100)
        stopped = _polled_post(session, "stopped", start, 30, timedelta(minutes=5), lambda n: n)  # 4 days ago
    with db() as session:
        before = {p.id: _series(session, p.id) for p in (busy, quiet, stopped)}
    summary = apply_retention(settings, db, now=NOW)
    cutoff = NOW - timedelta(hours=48)
    with db() as session:
        after = {p.id: _series(session, p.id) for p in (busy, quiet, stopped)}
    assert summary.thinned == sum(len(before[k]) - len(after[k]) for k in before) > 0
    for post_id, series in after.items():
        old = [t for t, _ in series if t < cutoff]
        hours = {t.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1) for t in old}
        assert len(old) <= len(hours) + 1  # one an hour, and the post's first
        assert series[0] == before[post_id][0] and series[-1] == before[post_id][-1]  # first and latest kept
        assert [s for s in series if s[0] >= cutoff] == [s for s in before[post_id] if s[0] >= cutoff]
        hour = start.replace(minute=0)
        while hour <= NOW:  # the count held at every whole hour is what it was
            assert _held(series, hour) == _held(before[post_id], hour)
            hour += timedelta(hours=1)
    # polls 00:53 … 03:18: the first, then the last of each hour it touched (00:58, 01:58, 02:58, 03:18)
    assert [t.strftime("%H:%M") for t, _ in after[stopped.id]] == ["00:53", "00:58", "01:58", "02:58", "03:18"]
    assert apply_retention(settings, db, now=NOW).thinned == 0


class _Interrupted(Exception):
    pass


def test_an_interrupted_thinning_leaves_a_valid_series_and_the_next_run_finishes(
        db: sessionmaker[Session]) -> None:
    start = NOW - timedelta(days=3)
    with transaction(db) as session:
        posts = [_polled_post(session, f"p{n}", start, 200, timedelta(minutes=5), lambda i: i) for n in range(4)]
    with db() as session:
        before = {p.id: _series(session, p.id) for p in posts}
    transactions = 0

    def failing_sessions() -> Session:
        nonlocal transactions
        transactions += 1
        if transactions == 3:  # the count query, one chunk, then the service stops
            raise _Interrupted
        return db()

    with pytest.raises(_Interrupted):
        thin_snapshots(failing_sessions, NOW - timedelta(hours=48), posts_per_chunk=2)  # type: ignore[arg-type]
    with db() as session:
        partly = {p.id: _series(session, p.id) for p in posts}
    assert [len(s) < len(before[k]) for k, s in partly.items()] == [True, True, False, False]
    assert thin_snapshots(db, NOW - timedelta(hours=48), posts_per_chunk=2) > 0
    with db() as session:
        done = {p.id: _series(session, p.id) for p in posts}
    assert len({len(s) for s in done.values()}) == 1 and all(len(s) < len(before[k]) for k, s in done.items())
