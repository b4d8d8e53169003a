"""Analysis-stage queries for bursts: the rows of relevant posts by scheme (`SchemePost`), kept as
analyses are stored; the counts a burst test needs, counted by the database; the bursts recorded.

Session first; nothing here commits (the job boundary does).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from yuqing.analysis.bursts import BurstWindows
from yuqing.analysis.models import Burst, SchemePost
from yuqing.collector.models import Post

ALL = "*"  # every relevant post, whatever its schemes


def scheme_rows(post_id: int, seen_at: datetime, relevant: bool, schemes: Sequence[str]) -> list[dict[str, Any]]:
    """The `SchemePost` rows of one analysed post: none unless relevant, else one under "*" and one
    under each scheme it matched."""
    if not relevant:
        return []
    return [{"scheme": name, "seen_at": seen_at, "post_id": post_id}
            for name in (ALL, *sorted(set(schemes) - {ALL}))]


def replace_scheme_posts(session: Session, analyses: Sequence[tuple[int, bool, Sequence[str]]]) -> None:
    """Replace the rows of the posts given as (post id, relevant, schemes) by those of their analysis."""
    ids = [post_id for post_id, _, _ in analyses]
    if not ids:
        return
    session.execute(delete(SchemePost).where(SchemePost.post_id.in_(ids)))
    seen = dict(session.execute(select(Post.id, Post.first_seen_at).where(Post.id.in_(ids))).tuples().all())
    rows = [row for post_id, relevant, schemes in analyses if post_id in seen
            for row in scheme_rows(post_id, seen[post_id], relevant, schemes)]
    if rows:
        session.execute(insert(SchemePost), rows)


def count_scheme_posts(session: Session, names: Sequence[str], windows: BurstWindows) -> dict[str, tuple[int, int, int]]:
    """Per scheme of `names`: relevant posts first seen before `windows.now` that appeared (published,
    if before they were seen, else seen) in the last hour, in the same hours of the previous days,
    and in the baseline days — one query, counted by the database over the window's rows only."""
    appeared = case((and_(Post.published_at.is_not(None), Post.published_at <= Post.first_seen_at),
                     Post.published_at), else_=Post.first_seen_at)

    def within(*periods: tuple[datetime, datetime]) -> ColumnElement[int]:
        hit = or_(*(and_(appeared >= start, appeared < end) for start, end in periods))
        return func.coalesce(func.sum(case((hit, 1), else_=0)), 0)

    since = windows.week[0]  # a post appears at or before it is seen: nothing seen earlier counts
    query = (
        select(SchemePost.scheme, within(windows.last_hour), within(*windows.same_hours), within(windows.week))
        .join(Post, Post.id == SchemePost.post_id)
        .where(SchemePost.scheme.in_(names), SchemePost.seen_at >= since, SchemePost.seen_at < windows.now)
        .group_by(SchemePost.scheme)
    )
    found = {name: (int(last), int(same), int(week)) for name, last, same, week in session.execute(query)}
    return {name: found.get(name, (0, 0, 0)) for name in names}


def get_history_start(session: Session) -> datetime | None:
    """When the first post was seen: the start of any baseline."""
    return session.scalar(select(func.min(Post.first_seen_at)))


def save_burst(session: Session, burst: dict[str, Any]) -> Burst | None:
    """Record a burst unless the scheme already has one whose window overlaps it."""
    overlapping = session.scalar(
        select(Burst.id).where(Burst.scheme == burst["scheme"], Burst.window_end > burst["window_start"])
    )
    if overlapping is not None:
        return None
    row = Burst(**burst)
    session.add(row)
    return row
