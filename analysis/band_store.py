"""Analysis-stage queries for story assignment: unassigned posts, LSH band rows, sketches,
statement texts, memberships.

Session first; nothing here commits (the job boundary does). The hot paths go to the
driver's cursor, inside the session's transaction: a batch touches tens of thousands of
band rows, and SQLAlchemy's per-row handling would otherwise dominate.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from yuqing.analysis.models import PostAnalysis, PostSignature, StoryBand, StoryPost
from yuqing.analysis.stories import Sketch
from yuqing.analysis.text import statement_text
from yuqing.collector.models import Post

CHUNK = 400  # ids or hashes per IN (…) list

BandRows = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # band, hash, post, story, hour


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class NewPost:
    """An analysed post without a story yet."""

    post_id: int
    title: str
    body: str
    site: str
    first_seen_at: datetime
    published_at: datetime | None


def list_unassigned_posts(session: Session, limit: int) -> list[NewPost]:
    """Analysed posts that belong to no story, oldest first."""
    rows = session.execute(
        select(Post.id, Post.title, Post.body, Post.site, Post.first_seen_at, Post.published_at)
        .join(PostAnalysis, PostAnalysis.post_id == Post.id)
        .outerjoin(StoryPost, StoryPost.post_id == Post.id)
        .where(StoryPost.post_id.is_(None))
        .order_by(Post.first_seen_at, Post.id)
        .limit(limit)
    )
    return [NewPost(*row) for row in rows]


def hour_of(moment: datetime) -> int:
    """Whole hours since 1970-01-01 UTC: story_bands' compact time."""
    return int(moment.timestamp() // 3600)


def list_band_rows(session: Session, hashes: np.ndarray, numbers: np.ndarray, valid: np.ndarray, low_hour: int,
                   high_hour: int) -> BandRows:
    """Stored band rows sharing a band hash with any existing entry of `hashes` (posts × columns;
    `numbers` holds each column's band number, `valid` which entries exist), first seen between the
    two hours: (band, hash, post id, story id, hour) arrays.

    One statement per band number and chunk of hashes; each (day, band, hash) is one range of the
    primary key. Days after the newest stored one are not asked for (a batch's window reaches
    as far ahead as back, for posts assigned late).
    """
    mark = param_mark(session)
    parts: list[tuple[int, list[tuple[int, int, int, int]]]] = []
    with driver_cursor(session) as cursor:
        cursor.execute("SELECT max(day) FROM story_bands")  # the last entry of the primary key
        newest = cursor.fetchone()[0]
        days = list(range(low_hour // 24, min(high_hour // 24, newest if newest is not None else -1) + 1))
        for band in np.unique(numbers).tolist():
            columns = numbers == band
            values = np.unique(hashes[:, columns][valid[:, columns]]).tolist()
            for chunk in chunks(values, max(1, CHUNK // len(days))) if days else ():
                cursor.execute(
                    f"SELECT hash, post_id, story_id, seen_hour FROM story_bands "
                    f"WHERE day IN ({', '.join([mark] * len(days))}) AND band = {mark} "
                    f"AND hash IN ({', '.join([mark] * len(chunk))}) "
                    f"AND seen_hour >= {mark} AND seen_hour <= {mark}",
                    (*days, band, *chunk, low_hour, high_hour),
                )
                parts.append((band, cursor.fetchall()))
    table = np.array([row for _, rows in parts for row in rows], dtype=np.int64).reshape(-1, 4)
    bands = np.repeat([band for band, _ in parts], [len(rows) for _, rows in parts]).astype(np.int64)
    return bands, table[:, 0], table[:, 1], table[:, 2], table[:, 3]


def analyze_bands(session: Session) -> None:
    """On PostgreSQL, refresh the planner's statistics of story_bands.

    With statistics from before a bulk load, PostgreSQL plans a look-up as a bitmap scan of
    whole days and rechecks every hash (10× slower at 10,000 posts); autovacuum catches up
    only later. SQLite's planner uses the primary key either way.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE story_bands"))


def tune_for_bulk(session: Session) -> None:
    """On SQLite, give this connection a 64 MiB page cache and memory-mapped reads: band
    look-ups touch pages all over a table holding 21–23 rows per post in the window."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql("PRAGMA cache_size=-65536")
        session.connection().exec_driver_sql("PRAGMA mmap_size=1073741824")


def list_statement_texts(session: Session, post_ids: Iterable[int]) -> dict[int, str]:
    """The folded statement text of each post."""
    texts: dict[int, str] = {}
    mark = param_mark(session)
    with driver_cursor(session) as cursor:
        for chunk in chunks(sorted(set(post_ids))):
            cursor.execute(f"SELECT id, title, body FROM posts WHERE id IN ({', '.join([mark] * len(chunk))})",
                           tuple(chunk))
            for post_id, title, body in cursor.fetchall():
                texts[post_id] = statement_text(title, body)
    return texts


def list_full_stories(session: Session, story_ids: Iterable[int], min_shingles: int) -> set[int]:
    """The stories among these holding a post whose sketch has at least `min_shingles` shingles."""
    found: set[int] = set()
    mark = param_mark(session)
    with driver_cursor(session) as cursor:
        for chunk in chunks(sorted(set(story_ids))):
            cursor.execute(f"SELECT DISTINCT m.story_id FROM story_posts m JOIN post_signatures s "
                           f"ON s.post_id = m.post_id WHERE m.story_id IN ({', '.join([mark] * len(chunk))}) "
                           f"AND s.shingles >= {mark}", (*chunk, min_shingles))
            found.update(row[0] for row in cursor.fetchall())
    return found


def count_story_posts(session: Session, story_ids: Iterable[int]) -> dict[int, int]:
    """How many posts each of these stories holds (stories without any are left out)."""
    counts: dict[int, int] = {}
    mark = param_mark(session)
    with driver_cursor(session) as cursor:
        for chunk in chunks(sorted(set(story_ids))):
            cursor.execute(f"SELECT story_id, count(*) FROM story_posts WHERE story_id IN "
                           f"({', '.join([mark] * len(chunk))}) GROUP BY story_id", tuple(chunk))
            counts.update(cursor.fetchall())
    return counts


def list_sketches(session: Session, post_ids: Iterable[int]) -> dict[int, Sketch]:
    """The stored MinHash sketch of each post."""
    sketches: dict[int, Sketch] = {}
    mark = param_mark(session)
    with driver_cursor(session) as cursor:
        for chunk in chunks(sorted(set(post_ids))):
            cursor.execute(f"SELECT post_id, shingles, signature FROM post_signatures WHERE post_id IN "
                           f"({', '.join([mark] * len(chunk))})", tuple(chunk))
            for post_id, size, signature in cursor.fetchall():
                sketches[post_id] = Sketch(np.frombuffer(bytes(signature), dtype="<u4").astype(np.uint32), size)
    return sketches


def param_mark(session: Session) -> str:
    return "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"


@contextmanager
def driver_cursor(session: Session) -> Iterator[Any]:
    """A DBAPI cursor on the session's connection, inside its transaction, for hot read paths."""
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        yield cursor
    finally:
        cursor.close()


def save_memberships(session: Session, members: list[tuple[Any, ...]], bands: list[tuple[int, ...]],
                     sketches: list[tuple[int, Sketch]]) -> None:
    """Insert story_posts rows (post_id, story_id, joined_at, similarity), band rows
    (day, band, hash, post_id, story_id, seen_hour) and post sketches in bulk."""
    _insert_rows(session, StoryPost.__table__, ("post_id", "story_id", "joined_at", "similarity"), members)
    _insert_rows(session, PostSignature.__table__, ("post_id", "shingles", "signature"),
                 [(pid, sk.size, sk.signature.astype("<u4").tobytes()) for pid, sk in sketches])
    _insert_rows(session, StoryBand.__table__, ("day", "band", "hash", "post_id", "story_id", "seen_hour"), bands)


def _insert_rows(session: Session, table: Any, columns: Sequence[str], rows: list[Any]) -> None:
    """executemany straight to the driver: each column's bind processor runs once per distinct value.

    Tens of thousands of band rows per batch spend most of their time in SQLAlchemy's
    per-row parameter handling otherwise; the SQL and the stored values are the same.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    processors = [(i, table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
                  for i, name in enumerate(columns)]
    for index, processor in processors:
        if processor is None:
            continue
        memo: dict[Any, Any] = {}
        for row_number, row in enumerate(rows):
            value = row[index]
            if value is not None:
                if value not in memo:
                    memo[value] = processor(value)
                rows[row_number] = (*row[:index], memo[value], *row[index + 1 :])
    mark = param_mark(session)
    quote = dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join([mark] * len(columns))})")
    connection.exec_driver_sql(sql, rows)


def delete_bands_before(session: Session, cutoff: datetime) -> int:
    """Drop the band hashes of the days before the one `cutoff` falls on: no new post can match them.

    Whole days of the primary key's first column go at once.
    """
    return session.execute(delete(StoryBand).where(StoryBand.day < hour_of(cutoff) // 24)).rowcount or 0
