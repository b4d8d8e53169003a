"""Clustering benchmark: story assignment (MinHash LSH + containment) against 64-bit SimHash (≤ 3 bits).

Generates the seeded corpus of bench/clustering_corpus.py (site boilerplate on 30 % of each
site's posts, 20 % of copies title-only), stores it in a fresh SQLite file, runs the real
`assign_stories` job, and scores pairwise precision and recall against the generator's truth;
SimHash is scored on the same folded texts in the same run. The job runs twice, on two fresh
databases: "before" with `stories.boilerplate_posts = 0` and `stories.title_join = false` (the
matching of earlier releases), then with the defaults. Then it fills the window to
`--window-posts` posts and times assignment of a last batch, on a copy of the filled file with
the "before" settings and on the file itself with the defaults.

    taskset -c 1 .venv/bin/python -m bench.clustering            # the figures in BENCHMARKS.md
    .venv/bin/python -m bench.clustering --statements 300 --unrelated 2000 --window-posts 20000
    .venv/bin/python -m bench.clustering --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy import text as sql
from sqlalchemy.engine import make_url

from bench.clustering_corpus import CorpusPost, add_site_traps, generate, statement
from yuqing.analysis.assignment import assign_stories
from yuqing.analysis.models import PostAnalysis, StoryPost
from yuqing.analysis.similarity import SHORT_TEXT, _mix32, _pack
from yuqing.analysis.text import statement_text
from yuqing.collector.models import Post
from yuqing.config.database import create_db_engine, session_factory
from yuqing.config.settings import Settings
from yuqing.service.migrate import upgrade


def _pairs(sizes: Iterable[int]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes)


def score(predicted: Sequence[int], truth: Sequence[int]) -> tuple[float, float]:
    """Pairwise precision and recall of a clustering against the truth labels."""
    together = Counter(zip(predicted, truth, strict=True))
    true_positive = _pairs(together.values())
    predicted_pairs = _pairs(Counter(predicted).values())
    truth_pairs = _pairs(Counter(truth).values())
    return true_positive / max(1, predicted_pairs), true_positive / max(1, truth_pairs)


def simhash64(texts: Sequence[str]) -> np.ndarray:
    """64-bit SimHash of each folded text over the same character shingles as the MinHash path."""
    out = np.zeros(len(texts), dtype=np.uint64)
    for index, text in enumerate(texts):
        if not text:
            continue
        k = 2 if len(text) < SHORT_TEXT else 3
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        ids = np.unique(_pack(codes, min(k, len(codes))))
        hashes = (_mix32(ids) << np.uint64(32)) | _mix32(ids ^ np.uint64(0x9E3779B97F4A7C15))
        bits = np.unpackbits(hashes.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
        votes = bits.sum(axis=0, dtype=np.int64) * 2 - len(ids)
        out[index] = np.packbits(votes > 0, bitorder="little").view(np.uint64)[0]
    return out


def cluster_simhash(hashes: np.ndarray, max_bits: int = 3) -> list[int]:
    """Union of every pair within `max_bits`, found through 4 exact 16-bit blocks (pigeonhole)."""
    parent = list(range(len(hashes)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    values = [int(h) for h in hashes]
    for block in range(4):
        buckets: dict[int, list[int]] = defaultdict(list)
        for i, value in enumerate(values):
            buckets[(value >> (16 * block)) & 0xFFFF].append(i)
        for members in buckets.values():
            for x, i in enumerate(members):
                for j in members[x + 1 :]:
                    if (values[i] ^ values[j]).bit_count() <= max_bits:
                        parent[find(i)] = find(j)
    return [find(i) for i in range(len(values))]


def store_posts(sessions, posts: Sequence[CorpusPost], offset: int) -> list[int]:
    """Insert posts with a neutral analysis each, in bulk; return their ids."""
    with sessions.begin() as session:
        rows = [{"key": f"bench-{offset + i}", "site": p.site, "url": f"https://{p.site}/{offset + i}",
                 "title": p.title, "body": p.body, "first_seen_at": p.seen, "last_seen_at": p.seen}
                for i, p in enumerate(posts)]
        ids = list(session.scalars(insert(Post).returning(Post.id, sort_by_parameter_order=True), rows))
        session.execute(insert(PostAnalysis), [
            {"post_id": i, "model_version": "bench", "analyzed_at": p.seen, "negativity": 0.5,
             "negative": False, "relevant": True, "category": None, "schemes": [], "keywords": []}
            for i, p in zip(ids, posts, strict=True)])
    return ids


def run_assign(settings: Settings, sessions, now) -> tuple[int, float]:
    """Run the real job; return (posts assigned, seconds): this process's CPU time on SQLite (one
    core's work), the wall time on PostgreSQL (the server's work is in another process)."""
    started, wall = time.process_time(), time.perf_counter()
    summary = assign_stories(settings, sessions, now=now)
    cpu, elapsed = time.process_time() - started, time.perf_counter() - wall
    print(f"  assign_stories: {summary.posts:,} posts, {cpu:.2f} s CPU, {elapsed:.2f} s wall")
    return summary.posts, cpu if sessions.kw["bind"].dialect.name == "sqlite" else elapsed


BEFORE = {"boilerplate_posts": 0, "title_join": False}  # the matching of earlier releases


def with_stories(settings: Settings, **changes: object) -> Settings:
    """The settings with some `[stories]` values changed."""
    return settings.model_copy(update={"stories": settings.stories.model_copy(update=changes)})


def quality(settings: Settings, sessions, corpus: list[CorpusPost], label: str) -> None:
    """Precision/recall and speed of the job on the labelled corpus (and SimHash's, for the defaults)."""
    ids = store_posts(sessions, corpus, 0)
    count, seconds = run_assign(settings, sessions, max(p.seen for p in corpus))
    with sessions() as session:
        story_of = dict(session.execute(select(StoryPost.post_id, StoryPost.story_id)).all())
    truth = [p.truth for p in corpus]
    predicted = [story_of[i] for i in ids]
    precision, recall = score(predicted, truth)
    print(f"corpus: {len(corpus):,} posts, {len(set(truth)):,} statements, {_pairs(Counter(truth).values()):,} true pairs")
    print(f"{'method':<44}{'precision':>10}{'recall':>10}{'posts/s':>10}")
    print(f"{'MinHash LSH + containment (job), ' + label:<44}{precision:>10.4f}{recall:>10.4f}{count / seconds:>10,.0f}")
    for kind in ("title-only", "boilerplate"):
        chosen = [i for i, p in enumerate(corpus) if kind in p.edits]
        print(f"  posts with {kind}: {len(chosen):,}; joined their statement's story: "
              f"{_joined(chosen, predicted, truth, corpus):.4f}")
    if label != "defaults":
        return
    started = time.perf_counter()
    texts = [statement_text(p.title, p.body) for p in corpus]
    sim_precision, sim_recall = score(cluster_simhash(simhash64(texts)), truth)
    sim_seconds = time.perf_counter() - started
    print(f"{'SimHash 64-bit, ≤ 3 bits':<44}{sim_precision:>10.4f}{sim_recall:>10.4f}{len(corpus) / sim_seconds:>10,.0f}")
    print(f"recall ratio MinHash/SimHash: {recall / max(sim_recall, 1e-9):.1f}×")


def _joined(chosen: list[int], predicted: list[int], truth: list[int], corpus: list[CorpusPost]) -> float:
    """Share of the chosen copies that share a story with their statement's original."""
    original = {}
    for i, p in enumerate(corpus):
        if not p.edits:
            original.setdefault(truth[i], i)
    copies = [i for i in chosen if corpus[i].edits and truth[i] in original and original[truth[i]] != i]
    return sum(predicted[i] == predicted[original[truth[i]]] for i in copies) / max(1, len(copies))


def throughput(settings: Settings, sessions, corpus: list[CorpusPost], window_posts: int, last: int,
               copy: tuple[Path, Path] | None) -> None:
    """Fill the window to `window_posts`, then time the assignment of `last` more posts (with the
    "before" settings first on a copy of the SQLite file `copy[0]`, made at `copy[1]`)."""
    rng = random.Random(7)
    start = min(p.seen for p in corpus)
    filled = len(corpus)
    while filled < window_posts:
        size = min(20_000, window_posts - filled)
        filler = []
        for _ in range(size):
            title, body = statement(rng)
            filler.append(CorpusPost(-1, f"site{rng.randrange(60)}.example.cn", title, body,
                                     start + timedelta(hours=rng.random() * 60)))
        store_posts(sessions, add_site_traps(sorted(filler, key=lambda p: p.seen), filled), filled)
        count, seconds = run_assign(settings, sessions, start + timedelta(hours=60))
        filled += size
        print(f"  window now {filled:,} posts (filled at {count / seconds:,.0f} posts/s)")
    end = start + timedelta(hours=61)
    fresh = []
    for i in range(last):
        if i % 2:  # a copy, title-only one time in five
            source = rng.choice(corpus)
            body = "" if rng.random() < 0.2 else source.body
            fresh.append(CorpusPost(-1, "late.example.cn", "转发:" + source.title, body, end))
        else:
            title, body = statement(rng)
            fresh.append(CorpusPost(-1, "late.example.cn", title, body, end))
    store_posts(sessions, add_site_traps(fresh, last, titles_only=0.0), filled)
    runs = [("defaults", settings, sessions)]
    if copy is not None:
        sessions.kw["bind"].dispose()
        shutil.copyfile(*copy)
        runs.insert(0, ("before", with_stories(settings, **BEFORE), session_factory(create_db_engine(
            f"sqlite:///{copy[1]}"))))
    for label, chosen, on in runs:
        count, seconds = run_assign(chosen, on, end)
        print(f"assignment with {filled:,} posts in the window, {label}: {count:,} posts in {seconds:.2f} s = "
              f"{count / seconds:,.0f} posts/s")


def main() -> None:
    """Run both parts and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=3000)
    parser.add_argument("--unrelated", type=int, default=20000)
    parser.add_argument("--window-posts", type=int, default=200_000)
    parser.add_argument("--last", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--db", metavar="PATH", help="Keep the database in this (new) file for profiling.")
    parser.add_argument("--postgres", metavar="URL", help="Run on PostgreSQL instead, in a new schema dropped "
                        "afterwards (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test); rates are wall time.")
    args = parser.parse_args()
    corpus = generate(args.statements, args.unrelated, args.seed)
    settings = Settings()
    with tempfile.TemporaryDirectory() as folder:
        for label, chosen in (("before", with_stories(settings, **BEFORE)), ("defaults", settings)):
            with _database(args, Path(folder), label) as url:
                engine = create_db_engine(url)
                upgrade(engine)
                sessions = session_factory(engine)
                quality(chosen, sessions, corpus, label)
                if label == "defaults":
                    copy = None if args.postgres else (Path(url.removeprefix("sqlite:///")), Path(folder) / "copy.db")
                    throughput(settings, sessions, corpus, args.window_posts, args.last, copy)
                engine.dispose()


@contextmanager
def _database(args: argparse.Namespace, folder: Path, label: str) -> Iterator[str]:
    """The URL to run on: a SQLite file, or a fresh PostgreSQL schema (dropped at the end)."""
    if not args.postgres:
        yield f"sqlite:///{args.db if args.db and label == 'defaults' else folder / f'{label}.db'}"
        return
    schema = f"yuqing_bench_{label}_{os.getpid()}"
    admin = create_db_engine(args.postgres)
    with admin.begin() as conn:
        conn.execute(sql(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(args.postgres).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sql(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
