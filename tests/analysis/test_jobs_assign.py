"""Story assignment on the real database, over a generated corpus with known copies: every
copy that the generator made recognisable joins its statement's story, and nothing else does."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import insert, select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session, sessionmaker

from bench.clustering import score
from bench.clustering_corpus import generate
from tests.analysis.factory import STATEMENT, T0, add_post
from yuqing.analysis import band_store
from yuqing.analysis.assignment import assign_stories
from yuqing.analysis.models import PostAnalysis, StoryPost
from yuqing.collector.models import Post
from yuqing.config.database import transaction
from yuqing.config.settings import Settings


def test_copies_of_a_generated_corpus_join_their_statements_and_nothing_else(db: sessionmaker[Session]) -> None:
    corpus = generate(60, 300, 7, traps=False)
    with transaction(db) as s:
        ids = s.scalars(insert(Post).returning(Post.id, sort_by_parameter_order=True), [
            {"key": f"c{i}", "site": p.site, "url": f"https://{p.site}/{i}", "title": p.title, "body": p.body,
             "first_seen_at": p.seen, "last_seen_at": p.seen} for i, p in enumerate(corpus)]).all()
        s.execute(insert(PostAnalysis), [
            {"post_id": i, "model_version": "test", "analyzed_at": p.seen, "negativity": 0.5, "negative": False,
             "relevant": True, "schemes": [], "keywords": []} for i, p in zip(ids, corpus, strict=True)])
    summary = assign_stories(Settings(), db, now=max(p.seen for p in corpus))
    with db() as s:
        story_of = dict(s.execute(select(StoryPost.post_id, StoryPost.story_id)).all())
    predicted, truth = [story_of[i] for i in ids], [p.truth for p in corpus]
    precision, recall = score(predicted, truth)
    assert summary.posts == len(ids) and summary.founded == len(set(predicted))
    assert precision == 1.0 and recall >= 0.95
    assert sum(n - 1 for n in Counter(truth).values()) > 100  # there were copies to find


def test_the_planner_statistics_of_story_bands_are_refreshed_on_postgresql(db: sessionmaker[Session]) -> None:
    if db.kw["bind"].dialect.name != "postgresql":
        pytest.skip("SQLite's planner uses the primary key without statistics: nothing to refresh")
    with transaction(db) as s:
        for n in range(3):
            add_post(s, site=f"s{n}.cn", title=f"第{n}条", body=STATEMENT, seen=T0)
    assign_stories(Settings(), db, now=T0)
    with transaction(db) as s:
        band_store.analyze_bands(s)
        estimated = s.scalar(sql("SELECT reltuples FROM pg_class WHERE relname = 'story_bands' "
                                 "AND relnamespace = current_schema()::regnamespace"))
    assert estimated == 3 * (21 + 1)  # 21 LSH bands and the body start's key each; -1 (never analysed) before
