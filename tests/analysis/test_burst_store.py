"""Burst counts in the database: the rows kept per scheme as analyses are stored, counted by SQL, give
the same tests as counting every relevant post's time in Python (`measure_scheme`, the reference)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.analysis.factory import T0
from yuqing.analysis.analyzer import AnalysisResult
from yuqing.analysis.burst_store import ALL, count_scheme_posts, get_history_start
from yuqing.analysis.bursts import BurstTest, burst_windows, measure_counts, measure_scheme
from yuqing.analysis.jobs import detect_bursts
from yuqing.analysis.models import Burst, PostAnalysis, SchemePost
from yuqing.analysis.post_store import save_analyses
from yuqing.collector.models import Post
from yuqing.config.database import transaction
from yuqing.config.settings import Settings

SCHEMES = ["交通局", "卫健委", "教育局"]
NOW = T0 + timedelta(days=9, minutes=17, seconds=3, microseconds=250)
H, D = timedelta(hours=1), timedelta(days=1)


def _result(relevant: bool, schemes: list[str]) -> AnalysisResult:
    return AnalysisResult(negativity=0.9, negative=True, category=None, schemes=schemes, keywords=[],
                          relevant=relevant, guidance=None)


def _add_posts(session: Session, rng: random.Random, seen_times: list[datetime]) -> list[int]:
    """Posts first seen at the given times, a third undated, a third published before they were seen
    (up to 3 days), a third published after (a clock ahead: they count at first sight)."""
    posts = []
    for n, seen in enumerate(seen_times):
        roll = rng.random()
        published = None if roll < 1 / 3 else seen - rng.random() * 3 * D if roll < 2 / 3 else seen + H
        posts.append(Post(key=f"p{seen.isoformat()}-{n}-{rng.random()}", site="a.cn", url=f"https://a.cn/{n}",
                          title="t", body="", published_at=published, first_seen_at=seen, last_seen_at=seen))
    session.add_all(posts)
    session.flush()
    return [post.id for post in posts]


def _analyse(session: Session, rng: random.Random, ids: list[int], now: datetime) -> None:
    """Analyse (or analyse again) the posts: most relevant, under a random set of schemes."""
    results = [(pid, _result(rng.random() < 0.8, rng.sample(SCHEMES, rng.randint(0, 2)))) for pid in ids]
    save_analyses(session, results, version="test", now=now)


def _reference(session: Session, name: str, now: datetime) -> BurstTest | None:
    """The test as detect_bursts made it before: every relevant post first seen in the 8 days
    before the last hour read back, its time taken in Python, counted by `measure_scheme`."""
    rows = session.execute(
        select(PostAnalysis.schemes, Post.published_at, Post.first_seen_at)
        .join(Post, Post.id == PostAnalysis.post_id)
        .where(PostAnalysis.relevant.is_(True), Post.first_seen_at >= now - H - 8 * D, Post.first_seen_at < now))
    times = [published if published and published <= seen else seen
             for schemes, published, seen in rows if name == ALL or name in (schemes or [])]
    history_start = get_history_start(session)
    assert history_start is not None
    return measure_scheme(name, times, now, history_start)


def _counted(session: Session, names: list[str], now: datetime) -> dict[str, BurstTest | None]:
    history_start = get_history_start(session)
    assert history_start is not None
    windows = burst_windows(now, history_start)
    if windows is None:
        return dict.fromkeys(names)
    return {name: measure_counts(name, windows, *counts)
            for name, counts in count_scheme_posts(session, names, windows).items()}


def test_database_counts_equal_the_full_recount(db: sessionmaker[Session]) -> None:
    rng = random.Random(15)
    nows = [NOW, NOW - 5 * H - timedelta(seconds=7), NOW - 6 * D, NOW + 2 * H, T0 + 20 * H]
    # posts spread over ten days, more in the last hours, and posts exactly on every period's edges
    spread = [T0 + rng.random() * 10 * D for _ in range(700)] + [NOW - rng.random() * 3 * H for _ in range(150)]
    edges = [now - k * H - d * D for now in nows[:2] for d in range(9) for k in (0, 1)]
    with transaction(db) as session:
        ids = _add_posts(session, rng, spread + edges)
        _analyse(session, rng, ids, NOW)
    with transaction(db) as session:  # a new version: a third analysed again, some conclusions change
        _analyse(session, rng, rng.sample(ids, len(ids) // 3), NOW + H)
    with transaction(db) as session:  # a later poll finds the date of undated posts
        for post in session.scalars(select(Post).where(Post.published_at.is_(None)).limit(80)):
            post.published_at = post.first_seen_at - rng.random() * 2 * D
    names = [ALL, *SCHEMES, "无此方案"]
    with db() as session:
        compared = 0
        for now in nows:
            counted = _counted(session, names, now)
            for name in names:
                assert counted[name] == _reference(session, name, now), (name, now)
                compared += counted[name] is not None and counted[name].observed > 0  # type: ignore[union-attr]
        assert compared >= 8  # the comparison covers schemes with posts in the tested hour
        assert _counted(session, names, nows[-1]) == dict.fromkeys(names)  # under a day of history


def test_rows_follow_the_analysis_and_leave_with_the_post(db: sessionmaker[Session]) -> None:
    seen = T0 + D
    with transaction(db) as session:
        post = Post(key="k", site="a.cn", url="https://a.cn/1", title="t", body="", first_seen_at=seen,
                    last_seen_at=seen)
        session.add(post)
        session.flush()
        save_analyses(session, [(post.id, _result(True, ["交通局", "卫健委"]))], version="v1", now=seen)
    with db() as session:
        rows = session.execute(select(SchemePost.scheme, SchemePost.seen_at)).all()
        assert sorted(rows) == sorted([(ALL, seen), ("交通局", seen), ("卫健委", seen)])
    with transaction(db) as session:
        save_analyses(session, [(post.id, _result(True, ["教育局"]))], version="v2", now=seen)
    with db() as session:
        assert sorted(session.scalars(select(SchemePost.scheme))) == sorted([ALL, "教育局"])
    with transaction(db) as session:
        save_analyses(session, [(post.id, _result(False, []))], version="v3", now=seen)
    with db() as session:
        assert session.scalar(select(func.count()).select_from(SchemePost)) == 0
    with transaction(db) as session:
        save_analyses(session, [(post.id, _result(True, ["交通局"]))], version="v4", now=seen)
    with transaction(db) as session:
        session.delete(session.get(Post, post.id))
    with db() as session:
        assert session.scalar(select(func.count()).select_from(SchemePost)) == 0


def test_detect_bursts_records_what_the_full_recount_finds(db: sessionmaker[Session]) -> None:
    rng = random.Random(7)
    settings = Settings.model_validate({"schemes": [{"name": n, "query": n} for n in SCHEMES]})
    with transaction(db) as session:  # a quiet week, then a surge of one scheme in the last hour
        ids = _add_posts(session, rng, [T0 + rng.random() * 9 * D for _ in range(300)])
        _analyse(session, rng, ids, NOW)
        surge = _add_posts(session, rng, [NOW - rng.random() * 50 * timedelta(minutes=1) for _ in range(25)])
        save_analyses(session, [(pid, _result(True, ["卫健委"])) for pid in surge], version="test", now=NOW)
    with db() as session:
        expected = {name for name in SCHEMES if (test := _reference(session, name, NOW)) is not None
                    and test.is_burst(settings.stories.burst_p_value, settings.stories.burst_min_posts)}
    assert expected == {"卫健委"}
    found = detect_bursts(settings, db, now=NOW)
    assert found.schemes == 3 and [line.split(":")[0] for line in found.bursts] == ["卫健委"]
    with db() as session:
        burst = session.scalars(select(Burst)).one()
        reference = _reference(session, "卫健委", NOW)
        assert reference is not None and (burst.observed, burst.expected) == (reference.observed, reference.expected)
