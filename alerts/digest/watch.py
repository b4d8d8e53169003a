"""Digest queries about sources: blind spots (failing, silent longer than usual, never polled)."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuqing.alerts.digest.model import BlindSpot, format_span
from yuqing.collector.models import Source, SourcePoll
from yuqing.config.settings import SourceSettings

HISTORY = timedelta(days=14)
MIN_GAPS = 3
SILENT_FACTOR = 3
SILENT_FLOOR = timedelta(hours=1)
SILENT_DEFAULT = timedelta(hours=24)


def list_blind_spots(
    session: Session, sources: list[SourceSettings], start: datetime, end: datetime, now: datetime
) -> list[BlindSpot]:
    """Enabled sources that failed, went silent for longer than usual, or were never polled."""
    rows = {row.name: row for row in session.scalars(select(Source))}
    spots = []
    for source in sources:
        if not source.enabled:
            continue
        row = rows.get(source.name)
        reasons = _reasons(session, row, now)
        if reasons:
            polls, failed = _polls_in(session, row, start, end)
            spots.append(BlindSpot(
                source=source.name, site=source.site_name, kind=source.kind, reasons=reasons,
                last_success_at=row.last_success_at if row else None,
                last_new_item_at=row.last_new_item_at if row else None,
                consecutive_failures=row.consecutive_failures if row else 0,
                polls_today=polls, failed_today=failed,
            ))
    return spots


def _reasons(session: Session, row: Source | None, now: datetime) -> list[str]:
    if row is None or row.last_polled_at is None:
        return ["从未抓取"]
    reasons = []
    last = session.scalars(
        select(SourcePoll).where(SourcePoll.source_id == row.id)
        .order_by(SourcePoll.started_at.desc(), SourcePoll.id.desc()).limit(1)
    ).first()
    if row.blocked_reason:  # issue 17: the site refuses us; polls wait hours (fetch.blocked_backoff)
        reasons.append(f"被平台拦截(blocked,暂停抓取数小时):{row.blocked_reason}")
    elif row.consecutive_failures > 0:
        reasons.append(f"连续 {row.consecutive_failures} 次抓取失败:{row.last_error or '原因未记录'}")
    elif last is not None and last.outcome == "error":
        reasons.append(f"最近一次抓取失败:{last.error or '原因未记录'}")
    silent = _silence(session, row, now)
    if silent:
        reasons.append(silent)
    return reasons


def usual_gap(session: Session, source_id: int, now: datetime) -> timedelta | None:
    """Median time between polls that found new items over the last 14 days; None if too few."""
    times = list(session.scalars(
        select(SourcePoll.started_at)
        .where(SourcePoll.source_id == source_id, SourcePoll.items_new > 0,
               SourcePoll.started_at >= now - HISTORY, SourcePoll.started_at <= now)
        .order_by(SourcePoll.started_at)
    ))
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
    return timedelta(seconds=statistics.median(gaps)) if len(gaps) >= MIN_GAPS else None


def _silence(session: Session, row: Source, now: datetime) -> str | None:
    """A reason when no new item came for > 3× the usual gap (at least 1 h), or > 24 h if unknown."""
    usual = usual_gap(session, row.id, now)
    limit = max(SILENT_FACTOR * usual, SILENT_FLOOR) if usual else SILENT_DEFAULT
    since = row.last_new_item_at or row.created_at
    quiet = now - since
    if quiet <= limit:
        return None
    if row.last_new_item_at is None:
        return f"加入 {format_span(quiet.total_seconds())} 以来没有任何新内容"
    usual_text = f"通常每 {format_span(usual.total_seconds())} 有新内容" if usual else "超过 24 小时"
    return f"已 {format_span(quiet.total_seconds())} 没有新内容({usual_text})"


def _polls_in(session: Session, row: Source | None, start: datetime, end: datetime) -> tuple[int, int]:
    """Polls of the source in [start, end), and how many of them failed."""
    if row is None:
        return 0, 0
    window = (SourcePoll.source_id == row.id, SourcePoll.started_at >= start, SourcePoll.started_at < end)
    total = session.scalar(select(func.count()).select_from(SourcePoll).where(*window)) or 0
    failed = session.scalar(
        select(func.count()).select_from(SourcePoll).where(*window, SourcePoll.outcome == "error")
    ) or 0
    return int(total), int(failed)
