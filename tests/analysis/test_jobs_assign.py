"""Story assignment's two look-up paths on the real database: SQL look-ups in story_bands and the
process's in-memory index, which must agree, and must notice another process's band rows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from weakref import WeakKeyDictionary

import pytest
from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from analysis import band_store, jobs
from analysis.jobs import assign_stories
from analysis.models import PostAnalysis, StoryBandGeneration, StoryPost
from bench.clustering_corpus import generate
from collector.models import Post
from config.database import create_db_engine, session_factory, transaction
from config.schema import metadata
from config.settings import Settings
from tests.analysis.factory import OFFICIAL_REPLY, STATEMENT, T0, add_post

H = timedelta(hours=1)
ALWAYS, NEVER = 0, 10**9  # index_min: load the index at once / always look up in SQL


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a new process: no index loaded."""
    monkeypatch.setattr(jobs, "_band_indexes", WeakKeyDictionary())


@pytest.fixture
def other_process(db: sessionmaker[Session], migrated_engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions on a second engine for the same database: what another process would use."""
    engine = create_db_engine(migrated_engine.url.render_as_string(hide_password=False))
    yield session_factory(engine)
    engine.dispose()


def _store_corpus(db: sessionmaker[Session]) -> list[tuple[int, int]]:
    corpus = generate(60, 300, 7)
    with transaction(db) as s:
        ids = s.scalars(insert(Post).returning(Post.id, sort_by_parameter_order=True), [
            {"key": f"c{i}", "site": p.site, "url": f"https://{p.site}/{i}", "title": p.title, "body": p.body,
             "first_seen_at": p.seen, "last_seen_at": p.seen} for i, p in enumerate(corpus)]).all()
        s.execute(insert(PostAnalysis), [
            {"post_id": i, "model_version": "test", "analyzed_at": p.seen, "negativity": 0.5, "negative": False,
             "relevant": True, "schemes": [], "keywords": []} for i, p in zip(ids, corpus, strict=True)])
    return [(i, p.truth) for i, p in zip(ids, corpus, strict=True)]


def _partition(db: sessionmaker[Session], ids: list[int]) -> set[frozenset[int]]:
    with db() as s:
        story_of = dict(s.execute(select(StoryPost.post_id, StoryPost.story_id)).all())
    groups: dict[int, set[int]] = {}
    for post_id in ids:
        groups.setdefault(story_of[post_id], set()).add(post_id)
    return {frozenset(g) for g in groups.values()}


def test_the_in_memory_index_assigns_exactly_as_the_sql_look_ups(db: sessionmaker[Session]) -> None:
    settings = Settings()
    stored = _store_corpus(db)
    ids = [i for i, _ in stored]
    end = T0 + 61 * H
    by_sql = assign_stories(settings, db, now=end, index_min=NEVER)
    sql_partition = _partition(db, ids)
    with transaction(db) as s:
        for table in ("story_bands", "post_signatures", "story_posts", "stories", "story_band_generations"):
            s.execute(delete(metadata.tables[table]))
    by_memory = assign_stories(settings, db, now=end, index_min=ALWAYS)
    assert by_memory.index_loads == 1 and by_sql.index_loads == 0
    assert (by_memory.posts, by_memory.founded) == (by_sql.posts, by_sql.founded) == (len(ids), len(sql_partition))
    assert _partition(db, ids) == sql_partition
    truth = {post_id: label for post_id, label in stored}
    sizes = Counter(truth.values())
    assert len(sql_partition) < len(ids) - 100  # the copies were found …
    assert all(len({truth[p] for p in group}) == 1 for group in sql_partition)  # … and nothing else merged
    assert sum(n - 1 for n in sizes.values()) >= len(ids) - len(sql_partition)


def test_a_story_another_process_founded_is_joined_after_reloading(
        db: sessionmaker[Session], other_process: sessionmaker[Session]) -> None:
    settings = Settings()
    with transaction(db) as s:
        add_post(s, site="a.cn", title="情况通报", body=OFFICIAL_REPLY, seen=T0)
    assert assign_stories(settings, db, now=T0, index_min=ALWAYS).index_loads == 1
    with transaction(db) as s:
        founder = add_post(s, site="b.cn", title="渣土车撞人", body=STATEMENT, seen=T0 + H).id
    assert assign_stories(settings, other_process, now=T0 + H, index_min=NEVER).founded == 1
    with transaction(db) as s:
        copy = add_post(s, site="c.cn", title="转发:渣土车撞人", body=STATEMENT, seen=T0 + 2 * H).id
    summary = assign_stories(settings, db, now=T0 + 2 * H)  # the index is kept: used for a single post
    assert (summary.index_loads, summary.joined, summary.founded) == (1, 1, 0)
    with db() as s:
        assert s.get(StoryPost, copy).story_id == s.get(StoryPost, founder).story_id


def test_rows_added_between_the_check_and_the_write_send_the_batch_round_again(
        db: sessionmaker[Session], other_process: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings()
    with transaction(db) as s:
        add_post(s, site="a.cn", title="情况通报", body=OFFICIAL_REPLY, seen=T0)
    assign_stories(settings, db, now=T0, index_min=ALWAYS)
    with transaction(db) as s:
        founder = add_post(s, site="b.cn", title="渣土车撞人", body=STATEMENT, seen=T0 + H).id
    assign_stories(settings, other_process, now=T0 + H, index_min=NEVER)
    with transaction(db) as s:
        copy = add_post(s, site="c.cn", title="转发:渣土车撞人", body=STATEMENT, seen=T0 + 2 * H).id
    # The check before the batch sees the old generation once, as if the other process
    # committed just after it; the write must then find the copy stale and start again.
    real = band_store.get_band_generation
    stale = [jobs._band_indexes[db.kw["bind"]].generation]
    monkeypatch.setattr(band_store, "get_band_generation", lambda session: stale.pop() if stale else real(session))
    summary = assign_stories(settings, db, now=T0 + 2 * H)
    assert (summary.index_loads, summary.posts, summary.joined) == (1, 1, 1)
    with db() as s:
        assert s.get(StoryPost, copy).story_id == s.get(StoryPost, founder).story_id
        assert s.scalar(select(StoryBandGeneration.generation)) == \
            jobs._band_indexes[db.kw["bind"]].generation


def test_the_generation_counts_each_write_and_starts_at_random(db: sessionmaker[Session]) -> None:
    with transaction(db) as s:
        before, first = band_store.bump_band_generation(s)
    with transaction(db) as s:
        assert band_store.bump_band_generation(s) == (first, first + 1)
    with db() as s:
        assert band_store.get_band_generation(s) == first + 1
    assert before == 0 and first > 1
