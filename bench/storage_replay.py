"""The storage month's polls written in bulk (bench/storage_month.py `--writer replay`): the rows
`save_posts` + `record_poll_success` write for a slot of polls, through one raw connection.

At 200 sources the real store functions take ~2.9 s per 5-minute slot (ORM objects for 10,000 listed
threads), 7 hours a simulated month. This writer makes the same rows in the same order (so the same
ids) with `executemany`: posts inserted or brought up to date, one snapshot per listed thread
(`every_poll`, the code before issue 18) or only for a new thread and a changed count (after it),
one `source_polls` row and the source's health per poll. `bench.storage_month --check` runs both
writers over the same small month and compares every row of those four tables.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from bench.storage_boards import Boards
from yuqing.collector.models import Post
from yuqing.collector.normalize import canonical_url, post_key
from yuqing.config.database import UTCDateTime

_POST = ("INSERT INTO posts (key, source_id, site, url, guid, title, body, author, published_at, first_seen_at, "
         "last_seen_at, content_hash, views, replies, reposts, likes) "
         "VALUES (?, ?, ?, ?, NULL, ?, '', NULL, ?, ?, ?, ?, ?, ?, NULL, NULL)")
_SEEN = "UPDATE posts SET last_seen_at = ?, views = ?, replies = ? WHERE id = ?"
_SNAPSHOT = "INSERT INTO snapshots (post_id, taken_at, views, replies, reposts, likes) VALUES (?, ?, ?, ?, NULL, NULL)"
_POLL = ("INSERT INTO source_polls (source_id, started_at, finished_at, outcome, http_status, items_found, "
         "items_new, error) VALUES (?, ?, ?, 'ok', NULL, ?, ?, NULL)")
_HEALTH = ("UPDATE sources SET last_polled_at = ?, last_success_at = ?, consecutive_failures = 0, blocked_reason = NULL, "
           "blocked_at = NULL, last_warning = NULL, next_poll_at = ?, "
           "last_new_item_at = COALESCE(?, last_new_item_at), etag = NULL, last_modified = NULL WHERE id = ?")


class Replay:
    """Writes the polls of `boards` for the sources `source_ids` (board b is source_ids[b])."""

    def __init__(self, engine: Engine, source_ids: list[int], prefix: str, *, every_poll: bool,
                 interval: timedelta) -> None:
        self.engine, self.source_ids, self.prefix = engine, source_ids, prefix
        self.every_poll, self.interval = every_poll, interval
        # the text SQLAlchemy writes for a timestamp on this database (its type's whole bind processor)
        self._time = UTCDateTime()._cached_bind_processor(engine.dialect) or (lambda value: value)
        self._keys: dict[tuple[int, int], str] = {}
        self.known: dict[str, tuple[int, int | None, int | None]] = {}  # key → (post id, views, replies)

    def reload(self) -> None:
        """Read the stored posts again (after retention or another writer changed them)."""
        with self.engine.connect() as conn:
            self.known = {key: (id_, views, replies) for id_, key, views, replies
                          in conn.execute(select(Post.id, Post.key, Post.views, Post.replies))}

    def write(self, boards: Boards, now: datetime) -> None:
        """One poll of every board at `now`, in one transaction, as the real functions write it."""
        t, stamp = boards.threads, self._time(now)
        listed = boards.listed()
        seen: list[tuple[Any, ...]] = []
        snapshots: list[tuple[Any, ...]] = []
        new_per_board = [0] * len(self.source_ids)
        conn = self.engine.raw_connection()
        try:
            cursor = conn.cursor()
            for i in listed:
                board, number = int(t.board[i]), int(t.number[i])
                views, replies = int(t.views[i]), int(t.replies[i])
                key = self._key(board, number)
                known = self.known.get(key)
                if known is None:
                    title = f"第{board}版 帖子{number}"
                    published = self._time(boards.start + timedelta(minutes=float(t.born[i])))
                    cursor.execute(_POST, (key, self.source_ids[board], f"bbs{board}.example.cn", key, title,
                                           published, stamp, stamp, _content_hash(title), views, replies))
                    post_id = cursor.lastrowid
                    new_per_board[board] += 1
                    changed = True
                else:
                    post_id = known[0]
                    changed = (views, replies) != known[1:]
                    seen.append((stamp, views, replies, post_id))
                if changed or self.every_poll:
                    snapshots.append((post_id, stamp, views, replies))
                self.known[key] = (post_id, views, replies)
            cursor.executemany(_SEEN, seen)
            cursor.executemany(_SNAPSHOT, snapshots)
            found = [int(n) for n in _per_board(t.board[listed], len(self.source_ids))]
            cursor.executemany(_POLL, [(sid, stamp, stamp, found[b], new_per_board[b])
                                       for b, sid in enumerate(self.source_ids)])
            later = self._time(now + self.interval)
            cursor.executemany(_HEALTH, [(stamp, stamp, later, stamp if new_per_board[b] else None, sid)
                                         for b, sid in enumerate(self.source_ids)])
            conn.commit()
        finally:
            conn.close()

    def _key(self, board: int, number: int) -> str:
        key = self._keys.get((board, number))
        if key is None:
            url = f"{self.prefix.format(board=board)}/thread-{number}-1-1.html"
            key = self._keys[(board, number)] = post_key(url, None)
            assert key == canonical_url(url)  # the url column holds the same text
        return key


def _content_hash(title: str) -> str:
    """`collector.store._content_hash` of a list poll's post (no body)."""
    return hashlib.sha256(f"{title}\n".encode()).hexdigest()


def _per_board(boards: Any, count: int) -> list[int]:
    """How many listed threads each board has."""
    import numpy as np

    return list(np.bincount(boards, minlength=count))


def compare_databases(first: Path, second: Path) -> dict[str, str]:
    """Every row of the tables the writers write, compared between two databases (ports masked)."""
    columns = {"posts": "*", "snapshots": "*", "source_polls": "*",
               "sources": "id, name, kind, url, site, etag, last_modified, last_polled_at, last_success_at, "
                          "last_new_item_at, last_error, consecutive_failures, next_poll_at, blocked_at"}
    answer = {}
    for table, cols in columns.items():
        dumps = []
        for path in (first, second):
            with sqlite3.connect(path) as conn:
                rows = conn.execute(f"SELECT {cols} FROM {table} ORDER BY id").fetchall()
            dumps.append([tuple(re.sub(r"127\.0\.0\.1:\d+", "HOST", v) if isinstance(v, str) else v for v in row)
                          for row in rows])
        same = dumps[0] == dumps[1]
        answer[table] = f"{len(dumps[0]):,} rows vs {len(dumps[1]):,}: " + ("identical" if same else "DIFFERENT")
    return answer
