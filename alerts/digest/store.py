"""Digest records: one `digests` row per local day, and which days are still owed a digest."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuqing.alerts.models import Digest
from yuqing.collector.models import Post, Source
from yuqing.config.settings import Settings

CATCH_UP_DAYS = 7


def get_digest(session: Session, day: date) -> Digest | None:
    """The record of that day's digest, if one was made."""
    return session.scalars(select(Digest).where(Digest.day == day)).first()


def record_digest(
    session: Session, day: date, *, now: datetime, html_path: str, markdown_path: str, figures: dict[str, Any]
) -> Digest:
    """Create or update the day's record (a re-run overwrites the files and updates the row)."""
    row = get_digest(session, day)
    if row is None:
        row = Digest(day=day)
        session.add(row)
    row.generated_at = now
    row.html_path = html_path
    row.markdown_path = markdown_path
    row.figures = figures
    session.flush()
    return row


def mark_digest_sent(
    session: Session, day: date, *, sent_at: datetime | None, results: dict[str, str]
) -> None:
    """Note each channel's outcome, and when the digest was delivered (None: not to all of them)."""
    row = get_digest(session, day)
    if row is None:
        raise LookupError(f"no digest recorded for {day}")
    if sent_at is not None:
        row.sent_at = sent_at
    row.figures = {**(row.figures or {}), "deliveries": results}
    session.flush()


def missing_digest_days(session: Session, settings: Settings, now: datetime) -> list[date]:
    """Days whose digest was due (at digest.time the next morning) but never made, oldest first.

    Looks back at most 7 days and never before the day yuqing first recorded a source or post.
    """
    zone = ZoneInfo(settings.digest.timezone)
    first = min(
        (t for t in (session.scalar(select(func.min(Source.created_at))),
                     session.scalar(select(func.min(Post.first_seen_at)))) if t is not None),
        default=None,
    )
    if first is None:
        return []
    today = now.astimezone(zone).date()
    candidates = [today - timedelta(days=n) for n in range(CATCH_UP_DAYS, 0, -1)]
    due = [
        d for d in candidates
        if d >= first.astimezone(zone).date()
        and datetime.combine(d + timedelta(days=1), settings.digest.time, zone) <= now
    ]
    made = set(session.scalars(select(Digest.day).where(Digest.day.in_(due)))) if due else set()
    return [d for d in due if d not in made]
