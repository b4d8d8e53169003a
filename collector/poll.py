"""Collector stage, the fetch phase of a pass: per-source plans → fetched and parsed documents.

Sources are fetched concurrently on an event loop in a helper thread and handed over one by one
through a bounded queue, so the calling thread can store each as it arrives (SQLite wants one
writer). Every failure becomes the error text of its source's result.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from yuqing.collector.details import add_details
from yuqing.collector.feeds import parse_feed
from yuqing.collector.fetch_loop import FetchLoop
from yuqing.collector.fetcher import Fetcher, FetchPolicy, FetchResult
from yuqing.collector.forums.discuz import parse_thread_list
from yuqing.collector.items import Parsed
from yuqing.collector.listing import parse_listing
from yuqing.collector.markup import decode_page
from yuqing.collector.platforms import fetch_json_source
from yuqing.collector.sourceblock import blocked_reason, check_gate
from yuqing.config.errors import YuqingError
from yuqing.config.settings import SourceSettings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Plan:
    """What the fetch phase needs to know about one source, read from the database first."""

    source: SourceSettings
    etag: str | None
    last_modified: str | None
    known: frozenset[str]
    obey_robots: bool
    had_items: bool = False  # the last poll found items (for a json source an empty list now means blocked)


@dataclass
class Fetched:
    """One source's fetch: the answer and its parse, or the error text to record."""

    plan: Plan
    seconds: float
    result: FetchResult | None = None
    parsed: Parsed | None = None
    error: str | None = None
    retry_after: float | None = None
    blocked: str | None = None  # the reason the site refuses us (collector/blocked.py)


def fetch_all(policy: FetchPolicy, plans: list[Plan], concurrency: int, now: datetime,
              shared: FetchLoop | None = None) -> Iterator[Fetched]:
    """Yield each source's fetch as it completes; the event loop runs in a helper thread.

    With `shared` (the service's), the sources are fetched on its loop with its long-lived
    `Fetcher` (whose policy then applies); without, a new loop and `Fetcher` serve this pass only.

    The hand-over queue is bounded, so bodies waiting for the writer stay few (memory). When the
    fetch phase itself fails (the HTTP client cannot be built, say), every source not yet handed
    over gets that error, so it is recorded on their rows; KeyboardInterrupt and the like re-raise.
    """
    done: queue.Queue[Fetched | BaseException | None] = queue.Queue(maxsize=concurrency)
    stopping = threading.Event()

    def deliver(item: Fetched | BaseException | None) -> None:
        while not stopping.is_set():
            try:
                done.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def run() -> None:
        try:
            if shared is None:
                asyncio.run(_fetch_fresh(policy, plans, concurrency, now, deliver))
            else:
                shared.run(_fetch_plans(shared.fetcher, plans, concurrency, now, deliver))
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
                error = describe_failure(item, None)
                for plan in waiting.values():
                    yield Fetched(plan, 0.0, error=error)
                waiting.clear()
    finally:
        stopping.set()
    thread.join()


async def _fetch_fresh(policy: FetchPolicy, plans: list[Plan], concurrency: int, now: datetime,
                       deliver: Callable[[Fetched], None]) -> None:
    async with Fetcher(policy) as fetcher:
        await _fetch_plans(fetcher, plans, concurrency, now, deliver)


async def _fetch_plans(fetcher: Fetcher, plans: list[Plan], concurrency: int, now: datetime,
                       deliver: Callable[[Fetched], None]) -> None:
    slots = asyncio.Semaphore(concurrency)

    async def one(plan: Plan) -> None:
        async with slots:
            fetched = await _fetch_source(fetcher, plan, now)
            await asyncio.to_thread(deliver, fetched)

    await asyncio.gather(*(one(plan) for plan in plans))


async def _fetch_source(fetcher: Fetcher, plan: Plan, now: datetime) -> Fetched:
    """Fetch and parse one source; every failure becomes the error text of its result."""
    source, started = plan.source, time.monotonic()
    fetched = Fetched(plan, 0.0)
    try:
        if source.kind == "json":  # paged JSON list APIs (collector/platforms.py)
            fetched.result, fetched.parsed = await fetch_json_source(
                fetcher, source, had_items=plan.had_items, now=now, obey_robots=plan.obey_robots)
            fetched.seconds = time.monotonic() - started
            return fetched
        fetched.result = await fetcher.fetch(source.url, etag=plan.etag, last_modified=plan.last_modified,
                                             obey_robots=plan.obey_robots)
        check_gate(source.url, fetched.result)  # a login or captcha redirect is a block
        if not fetched.result.not_modified:
            tz = ZoneInfo(source.timezone)
            parsed = await asyncio.to_thread(parse_document, source, fetched.result, now, tz)
            fetched.parsed = await add_details(fetcher, source, parsed, plan.known, now=now, tz=tz,
                                               obey_robots=plan.obey_robots)
    except Exception as exc:
        fetched.error, fetched.retry_after = describe_failure(exc, source), getattr(exc, "retry_after", None)
        fetched.blocked = blocked_reason(exc)  # 403/418/432, login pages … mark it blocked
    fetched.seconds = time.monotonic() - started
    return fetched


def describe_failure(exc: Exception, source: SourceSettings | None) -> str:
    """The text recorded for a failed poll; unexpected errors are logged with their traceback."""
    if isinstance(exc, YuqingError):
        return str(exc)
    # a parser bug on one odd page must not stop the other sources
    if source is not None:
        logger.error("source %s: unexpected error", source.name, exc_info=exc, extra={"source": source.name})
    return f"internal error ({type(exc).__name__}: {exc}); please report it"


def parse_document(source: SourceSettings, result: FetchResult, now: datetime, tz: ZoneInfo) -> Parsed:
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
