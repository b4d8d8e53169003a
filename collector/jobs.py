"""Collector stage, the job: configured sources → fetched, parsed, stored posts and source health.

Sources are fetched concurrently by the fetch phase (`poll`); results are written here, in the
calling thread, one transaction per source (SQLite wants one writer), so one bad source never
costs another its items.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from yuqing.collector.details import SHORT_BODY, wants_details
from yuqing.collector.fetch_loop import FetchLoop
from yuqing.collector.fetcher import FetchPolicy
from yuqing.collector.items import RawPost
from yuqing.collector.models import Source
from yuqing.collector.poll import Fetched, Plan, describe_failure, fetch_all
from yuqing.collector.report import CollectReport, SourceResult
from yuqing.collector.sourceblock import note_blocked, wants_history
from yuqing.collector.store import (
    PollRecord,
    current_sources,
    get_source,
    list_known_keys,
    record_poll_failure,
    record_poll_success,
    save_posts,
    save_sources,
)
from yuqing.config.database import transaction, utcnow
from yuqing.config.errors import ConfigError
from yuqing.config.settings import Settings, SourceSettings

__all__ = ["CollectReport", "SourceResult", "collect"]

logger = logging.getLogger(__name__)


def collect(settings: Settings, sessions: sessionmaker[Session], *, names: Sequence[str] | None = None,
            now: datetime | None = None,
            progress: Callable[[SourceResult], None] | None = None,
            fetch_loop: FetchLoop | None = None, reader: Session | None = None) -> CollectReport:
    """Poll every enabled source (or the named ones) once now; store posts, snapshots, health.

    `fetch_loop`: the service's long-lived fetcher (`collector/fetch_loop.py`); None makes one for this call.
    `reader`: a session in a transaction of the caller's where the sources' rows are read, when each is
    already as configured (a distributed worker reads on its task's connection rather than open a
    transaction per poll); a row to add or change is saved in a transaction of collect's own, as without it.
    """
    now = now or utcnow()
    chosen = _choose(settings, names)
    rows = current_sources(reader, chosen) if reader is not None else None
    if reader is not None and rows is not None:
        plans = [_plan(reader, rows[s.name], s, settings) for s in chosen]
    else:
        with transaction(sessions) as session:
            rows = save_sources(session, settings.sources)
            plans = [_plan(session, rows[s.name], s, settings) for s in chosen]
    report = CollectReport(started_at=now)
    for fetched in fetch_all(FetchPolicy.from_settings(settings.fetch), plans, settings.fetch.concurrency, now,
                             shared=fetch_loop):
        result = _store(settings, sessions, fetched, now)
        report.results.append(result)
        if progress is not None:
            progress(result)
    return report


def _choose(settings: Settings, names: Sequence[str] | None) -> list[SourceSettings]:
    if not names:
        return [s for s in settings.sources if s.enabled]
    known = {s.name for s in settings.sources}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError(f"unknown source {', '.join(map(repr, unknown))}; configured sources: "
                          f"{', '.join(sorted(known)) or 'none'}")
    wanted = set(names)
    return [s for s in settings.sources if s.name in wanted]


def _plan(session: Session, row: Source, source: SourceSettings, settings: Settings) -> Plan:
    known = frozenset[str]()
    if wants_details(source):
        known = list_known_keys(session, row, 1 if source.kind == "discuz" else SHORT_BODY)
    obey = settings.fetch.obey_robots if source.obey_robots is None else source.obey_robots
    return Plan(source, row.etag, row.last_modified, known, obey, wants_history(session, row, source))


def _store(settings: Settings, sessions: sessionmaker[Session], fetched: Fetched, now: datetime) -> SourceResult:
    """Write one source's posts and health in one transaction; a failure is recorded, not raised."""
    source = fetched.plan.source
    result = SourceResult(source.name, source.kind, "error", seconds=fetched.seconds,
                          http_status=fetched.result.status if fetched.result else None, error=fetched.error)
    if fetched.error is None:
        try:
            with transaction(sessions) as session:
                _store_items(session, settings, fetched, result, now)
            return result
        except SQLAlchemyError as exc:
            logger.exception("source %s: could not store its items", source.name, extra={"source": source.name})
            result.outcome, result.error = "error", f"could not store the items: {type(exc).__name__}: {exc}"
            result.items_new = result.items_updated = 0
        except Exception as exc:  # a bug on one source's items must not stop the others either
            result.outcome, result.error = "error", describe_failure(exc, source)
            result.items_new = result.items_updated = 0
    logger.warning("source %s failed: %s", source.name, result.error, extra={"source": source.name})
    with transaction(sessions) as session:
        if fetched.blocked:  # a blind spot, left alone for hours (collector/sourceblock.py)
            note_blocked(session, settings, source, _record(result, fetched, now), fetched.blocked,
                         fetched.retry_after)
            return result
        record_poll_failure(session, get_source(session, source.name), _record(result, fetched, now),
                            interval=source.interval, backoff_max=settings.fetch.failure_backoff_max,
                            retry_after=fetched.retry_after)
    return result


def _store_items(session: Session, settings: Settings, fetched: Fetched, result: SourceResult,
                 now: datetime) -> None:
    source = fetched.plan.source
    row = get_source(session, source.name)
    if fetched.parsed is None:
        result.outcome = "not_modified"
    else:
        items: list[RawPost] = fetched.parsed.items
        result.items_found = len(items)
        result.items_new, result.items_updated = save_posts(session, row, items, now) if items else (0, 0)
        result.warning = "; ".join(fetched.parsed.warnings) or None
        result.outcome = "partial" if result.warning else "ok"
    record_poll_success(session, row, _record(result, fetched, now), interval=source.interval)


def _record(result: SourceResult, fetched: Fetched, now: datetime) -> PollRecord:
    answer = fetched.result
    return PollRecord(
        started_at=now, finished_at=now + timedelta(seconds=fetched.seconds), outcome=result.outcome,
        http_status=result.http_status, items_found=result.items_found, items_new=result.items_new,
        error=result.error, warning=result.warning,
        etag=answer.etag if answer else None, last_modified=answer.last_modified if answer else None,
    )
