"""Analysis-stage queries for site boilerplate: how many posts of a site carried each segment
(`site_segments`), read and counted up batch by batch.

Session first; nothing here commits (the job boundary does). Like the band rows, a batch's tens of
thousands of keys go to the driver's cursor in IN-lists and one executemany.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import delete
from sqlalchemy.orm import Session

from yuqing.analysis.band_store import CHUNK, chunks, driver_cursor, param_mark
from yuqing.analysis.models import SiteSegment


def list_segment_counts(session: Session, keys: Sequence[int]) -> dict[int, int]:
    """The stored post count of each key that has one."""
    counts: dict[int, int] = {}
    mark = param_mark(session)
    with driver_cursor(session) as cursor:
        for chunk in chunks(sorted(set(keys)), CHUNK * 2):
            cursor.execute(f"SELECT key, posts FROM site_segments WHERE key IN ({', '.join([mark] * len(chunk))})",
                           tuple(chunk))
            counts.update(cursor.fetchall())
    return counts


def save_segment_counts(session: Session, counts: Mapping[int, int], day: int) -> None:
    """Add a batch's post counts to the stored ones (new keys start at the batch's count), seen on `day`."""
    if not counts:
        return
    mark = param_mark(session)
    rows = sorted(counts.items())  # in key order: the upserts walk the primary key's B-tree once
    session.connection().exec_driver_sql(
        f"INSERT INTO site_segments (key, posts, last_day) VALUES ({mark}, {mark}, {day}) "
        f"ON CONFLICT (key) DO UPDATE SET posts = site_segments.posts + excluded.posts, last_day = excluded.last_day",
        rows,
    )


def delete_rare_segments(session: Session, before_day: int, min_posts: int) -> int:
    """Forget segments last seen before `before_day` that stayed under `min_posts` posts: they can no
    longer become boilerplate inside any window. Boilerplate rows stay."""
    return session.execute(
        delete(SiteSegment).where(SiteSegment.last_day < before_day, SiteSegment.posts < min_posts)
    ).rowcount or 0
