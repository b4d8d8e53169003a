"""Retention removes what is older than configured and archives stories, keeping their figures."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

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
    assert summary.snapshots == 1  # the 200-day-old one; the old post's newer snapshot goes with the post
    with db() as session:
        assert [p.key for p in session.scalars(select(Post))] == ["k1"]
        assert _count(session, Snapshot) == 2 and _count(session, SourcePoll) == 1 and _count(session, JobRun) == 0
        stories = {s.title: s for s in session.scalars(select(Story))}
    assert stories["old"].archived and stories["old"].clicks_24h == 1234 and stories["old"].posts == 3
    assert not stories["new"].archived
    again = apply_retention(settings, db, now=NOW)
    assert str(again) == ("removed 0 snapshots, 0 polls, 0 posts, 0 deliveries, 0 job runs, the bytes of 0 evidence "
                          "pages; archived 0 stories")


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
