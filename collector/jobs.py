"""Collector stage, the job: configured sources → fetched, parsed, stored posts and source health.

Sources are fetched concurrently on an event loop in a helper thread; results are written
here, in the calling thread, one transaction per source (SQLite wants one writer), so one
bad source never costs another its items.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from yuqing.collector.details import SHORT_BODY, add_details, wants_details
from yuqing.collector.feeds import parse_feed
from yuqing.collector.fetcher import Fetcher, FetchPolicy, FetchResult
from yuqing.collector.forums.discuz import parse_thread_list
from yuqing.collector.items import Parsed, RawPost
from yuqing.collector.listing import parse_listing
from yuqing.collector.markup import decode_page
from yuqing.collector.models import Source
from yuqing.collector.store import (
    PollRecord,
    get_source,
    list_known_keys,
    record_poll_failure,
    record_poll_success,
    save_posts,
    save_sources,
)
from yuqing.config.database import transaction, utcnow
from yuqing.config.errors import ConfigError, YuqingError
from yuqing.config.settings import Settings, SourceSettings

logger = logging.getLogger(__name__)


@dataclass
class SourceResult:
    """How one source's poll went: outcome ok | not_modified | partial | error, and counts."""

    name: str
    kind: str
    outcome: str
    items_found: int = 0
    items_new: int = 0
    items_updated: int = 0
    http_status: int | None = None
    error: str | None = None
    warning: str | None = None
    seconds: float = 0.0

    def __str__(self) -> str:
        if self.outcome == "error":
            detail = f"failed: {self.error}"
        elif self.outcome == "not_modified":
            detail = "not modified"
        else:
            detail = f"{self.items_found} items, {self.items_new} new, {self.items_updated} updated"
            if self.warning:
                detail += f"; warning: {self.warning}"
        return f"{self.name} ({self.kind}): {detail} [{self.seconds:.1f}s]"


@dataclass
class CollectReport:
    """What one collection pass did, source by source."""

    started_at: datetime
    results: list[SourceResult] = field(default_factory=list)

    @property
    def failed(self) -> list[SourceResult]:
        """The sources whose poll failed."""
        return [r for r in self.results if r.outcome == "error"]

    @property
    def items_new(self) -> int:
        """Posts stored for the first time in this pass."""
        return sum(r.items_new for r in self.results)

    def __str__(self) -> str:
        found = sum(r.items_found for r in self.results)
        unchanged = sum(r.outcome == "not_modified" for r in self.results)
        ok = len(self.results) - len(self.failed) - unchanged
        return (f"collected {len(self.results)} sources: {ok} read, {unchanged} not modified, "
                f"{len(self.failed)} failed; {found} items, {self.items_new} new")


@dataclass(frozen=True)
class _Plan:
    """What the fetch phase needs to know about one source, read from the database first."""

    source: SourceSettings
    etag: str | None
    last_modified: str | None
    known: frozenset[str]
    obey_robots: bool


@dataclass
class _Fetched:
    plan: _Plan
    seconds: float
    result: FetchResult | None = None
    parsed: Parsed | None = None
    error: str | None = None
    retry_after: float | None = None


def collect(settings: Settings, sessions: sessionmaker[Session], *, names: Sequence[str] | None = None,
            now: datetime | None = None,
            progress: Callable[[SourceResult], None] | None = None) -> CollectReport:
    """Poll every enabled source (or the named ones) once now; store posts, snapshots, health."""
    now = now or utcnow()
    chosen = _choose(settings, names)
    with transaction(sessions) as session:
        rows = save_sources(session, settings.sources)
        plans = [_plan(session, rows[s.name], s, settings) for s in chosen]
    report = CollectReport(started_at=now)
    for fetched in _fetch_all(FetchPolicy.from_settings(settings.fetch), plans, settings.fetch.concurrency, now):
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


def _plan(session: Session, row: Source, source: SourceSettings, settings: Settings) -> _Plan:
    known = frozenset[str]()
    if wants_details(source):
        known = list_known_keys(session, row, 1 if source.kind == "discuz" else SHORT_BODY)
    obey = settings.fetch.obey_robots if source.obey_robots is None else source.obey_robots
    return _Plan(source, row.etag, row.last_modified, known, obey)


def _fetch_all(policy: FetchPolicy, plans: list[_Plan], concurrency: int, now: datetime) -> Iterator[_Fetched]:
    """Yield each source's fetch as it completes; the event loop runs in a helper thread.

    The hand-over queue is bounded, so bodies waiting for the writer stay few (memory). When the
    fetch phase itself fails (the HTTP client cannot be built, say), every source not yet handed
    over gets that error, so it is recorded on their rows; KeyboardInterrupt and the like re-raise.
    """
    done: queue.Queue[_Fetched | BaseException | None] = queue.Queue(maxsize=concurrency)
    stopping = threading.Event()

    def deliver(item: _Fetched | BaseException | None) -> None:
        while not stopping.is_set():
            try:
                done.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def run() -> None:
        try:
            asyncio.run(_fetch_plans(policy, plans, concurrency, now, deliver))
        except BaseException as exc:  # handed to the calling thread, which records or re-raises it
            deliver(exc)
        finally:
            deliver(None)

    thread = threading.Thread(target=run, name="yuqing-fetch", daemon=True)
    thread.start()
    waiting = {id(plan): plan for plan in plans}
    try:
        while (item := done.get()) is not None:
            if not isinstance(item, BaseException):
                waiting.pop(id(item.plan), None)
                yield item
            elif not isinstance(item, Exception):
                raise item
            else:
                logger.error("the fetch phase failed", exc_info=item)
                error = _failure(item, None)
                for plan in waiting.values():
                    yield _Fetched(plan, 0.0, error=error)
                waiting.clear()
    finally:
        stopping.set()
    thread.join()


async def _fetch_plans(policy: FetchPolicy, plans: list[_Plan], concurrency: int, now: datetime,
                       deliver: Callable[[_Fetched], None]) -> None:
    slots = asyncio.Semaphore(concurrency)
    async with Fetcher(policy) as fetcher:

        async def one(plan: _Plan) -> None:
            async with slots:
                fetched = await _fetch_source(fetcher, plan, now)
                await asyncio.to_thread(deliver, fetched)

        await asyncio.gather(*(one(plan) for plan in plans))


async def _fetch_source(fetcher: Fetcher, plan: _Plan, now: datetime) -> _Fetched:
    """Fetch and parse one source; every failure becomes the error text of its result."""
    source, started = plan.source, time.monotonic()
    fetched = _Fetched(plan, 0.0)
    try:
        fetched.result = await fetcher.fetch(source.url, etag=plan.etag, last_modified=plan.last_modified,
                                             obey_robots=plan.obey_robots)
        if not fetched.result.not_modified:
            tz = ZoneInfo(source.timezone)
            parsed = await asyncio.to_thread(_parse, source, fetched.result, now, tz)
            fetched.parsed = await add_details(fetcher, source, parsed, plan.known, now=now, tz=tz,
                                               obey_robots=plan.obey_robots)
    except Exception as exc:
        fetched.error, fetched.retry_after = _failure(exc, source), getattr(exc, "retry_after", None)
    fetched.seconds = time.monotonic() - started
    return fetched


def _failure(exc: Exception, source: SourceSettings | None) -> str:
    """The text recorded for a failed poll; unexpected errors are logged with their traceback."""
    if isinstance(exc, YuqingError):
        return str(exc)
    # a parser bug on one odd page must not stop the other sources
    if source is not None:
        logger.error("source %s: unexpected error", source.name, exc_info=exc, extra={"source": source.name})
    return f"internal error ({type(exc).__name__}: {exc}); please report it"


def _parse(source: SourceSettings, result: FetchResult, now: datetime, tz: ZoneInfo) -> Parsed:
    """The posts of one fetched document, by the source's kind."""
    site, url = source.site_name, result.final_url
    if source.kind == "rss":
        return parse_feed(result.content, url=url, site=site, now=now, tz=tz,
                          content_type=result.content_type, encoding=source.encoding)
    text = decode_page(result.content, result.content_type, source.encoding)
    if source.kind == "discuz":
        return parse_thread_list(text, url=url, site=site, now=now, tz=tz)
    assert source.selectors is not None  # settings validation guarantees it
    return parse_listing(text, source.selectors, url=url, site=site, now=now, tz=tz)


def _store(settings: Settings, sessions: sessionmaker[Session], fetched: _Fetched, now: datetime) -> SourceResult:
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
            result.outcome, result.error = "error", _failure(exc, source)
            result.items_new = result.items_updated = 0
    logger.warning("source %s failed: %s", source.name, result.error, extra={"source": source.name})
    with transaction(sessions) as session:
        record_poll_failure(session, get_source(session, source.name), _record(result, fetched, now),
                            interval=source.interval, backoff_max=settings.fetch.failure_backoff_max,
                            retry_after=fetched.retry_after)
    return result


def _store_items(session: Session, settings: Settings, fetched: _Fetched, result: SourceResult,
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


def _record(result: SourceResult, fetched: _Fetched, now: datetime) -> PollRecord:
    answer = fetched.result
    return PollRecord(
        started_at=now, finished_at=now + timedelta(seconds=fetched.seconds), outcome=result.outcome,
        http_status=result.http_status, items_found=result.items_found, items_new=result.items_new,
        error=result.error, warning=result.warning,
        etag=answer.etag if answer else None, last_modified=answer.last_modified if answer else None,
    )
