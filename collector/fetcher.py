"""Collector stage, fetching: URL (+ stored validators) → `FetchResult`, politely and within limits.

One `Fetcher` per pass (or, in `yuqing run`, one for the service's life: `collector/fetch_loop.py`):
an httpx client, per-host concurrency and spacing, robots.txt cached per host for an hour, retries with backoff and jitter, a whole-request deadline and a decompressed-size cap.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from yuqing.collector.fetch_body import read_capped
from yuqing.config.errors import FetchError
from yuqing.config.sources import FetchSettings

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
_ROBOTS_MAX_BYTES = 512 * 1024
ROBOTS_TTL = 3600.0  # seconds a host's robots.txt is trusted before it is read again
# Errors where the next attempt may well succeed; a stalled answer is not one of them
# (it would stall again and multiply the time a pass takes).
_TRANSIENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError, httpx.ReadError,
              httpx.WriteError)


class HttpStatusError(FetchError):
    """The server answered with an error status; `retry_after` in seconds when it said so."""

    def __init__(self, message: str, status: int, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class FetchPolicy:
    """The limits one pass fetches with (seconds and bytes), from `[fetch]`."""

    user_agent: str
    timeout: float
    retries: int
    backoff: float
    max_bytes: int
    max_redirects: int
    per_host_concurrency: int
    per_host_delay: float
    max_retry_wait: float

    @classmethod
    def from_settings(cls, fetch: FetchSettings) -> FetchPolicy:
        """The policy that `[fetch]` describes."""
        return cls(
            user_agent=fetch.user_agent, timeout=fetch.timeout.total_seconds(), retries=fetch.retries,
            backoff=fetch.backoff.total_seconds(), max_bytes=fetch.max_bytes,
            max_redirects=fetch.max_redirects, per_host_concurrency=fetch.per_host_concurrency,
            per_host_delay=fetch.per_host_delay.total_seconds(),
            max_retry_wait=fetch.max_retry_wait.total_seconds(),
        )


@dataclass(frozen=True)
class FetchResult:
    """A complete answer: 200 with its body, or 304 (not modified) without one."""

    url: str
    final_url: str
    status: int
    content: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None
    retry_after: float | None = None  # seconds, from an error answer's Retry-After
    headers: tuple[tuple[str, str], ...] = ()  # the answer's headers as sent (evidence keeps them)

    @property
    def not_modified(self) -> bool:
        """True when the server said the document has not changed since the last poll."""
        return self.status == 304


class Fetcher:
    """Fetches URLs for one pass (or a service's life); use as `async with Fetcher(policy) as fetcher`."""

    def __init__(self, policy: FetchPolicy, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.policy = policy
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        self._host_locks: dict[str, asyncio.Lock] = {}
        self._next_start: dict[str, float] = {}
        self._robots: dict[str, tuple[float, RobotFileParser | None]] = {}  # origin → (read at, rules)

    async def __aenter__(self) -> Fetcher:
        self._client = httpx.AsyncClient(
            headers={"User-Agent": self.policy.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(self.policy.timeout), follow_redirects=True,
            max_redirects=self.policy.max_redirects, transport=self._transport,
        )
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
                    obey_robots: bool = True, extra_headers: Mapping[str, str] | None = None) -> FetchResult:
        """GET `url` (conditionally when validators are given), retrying what is worth retrying."""
        if obey_robots:
            await self._check_robots(url)
        headers = dict(extra_headers or {})  # a json source's configured headers
        headers.update({"If-None-Match": etag} if etag else {})
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempt = 0
        while True:
            try:
                result = await self._attempt(url, headers, self.policy.max_bytes)
            except _Transient as exc:
                if attempt >= self.policy.retries:
                    raise FetchError(f"{exc} (after {attempt + 1} attempts)") from exc
                await asyncio.sleep(self._backoff(attempt))
                attempt += 1
                continue
            if result.status == 304 or 200 <= result.status < 300:
                return result
            error = _status_error(result, attempt + 1)
            if result.status not in _RETRY_STATUSES or attempt >= self.policy.retries:
                raise error
            wait = error.retry_after if error.retry_after is not None else self._backoff(attempt)
            if wait > self.policy.max_retry_wait:
                raise error
            await asyncio.sleep(wait)
            attempt += 1

    def _backoff(self, attempt: int) -> float:
        return self.policy.backoff * 2**attempt * random.uniform(0.5, 1.5)

    async def _attempt(self, url: str, headers: dict[str, str], max_bytes: int) -> FetchResult:
        """One request within the whole-request deadline (httpx's read timeout resets per chunk)."""
        assert self._client is not None, "use Fetcher as an async context manager"
        async with self._host_slot(urlsplit(url).hostname or ""):
            try:
                async with asyncio.timeout(self.policy.timeout), \
                        self._client.stream("GET", url, headers=headers) as response:
                    ok = 200 <= response.status_code < 300
                    content = await read_capped(response, max_bytes) if ok else b""
            except (TimeoutError, httpx.ReadTimeout, httpx.PoolTimeout, httpx.WriteTimeout) as exc:
                raise FetchError(f"no complete answer within {self.policy.timeout:g}s (timed out)") from exc
            except httpx.TooManyRedirects as exc:
                raise FetchError(f"more than {self.policy.max_redirects} redirects (a redirect loop?)") from exc
            except httpx.DecodingError as exc:
                raise FetchError(f"the compressed body could not be decoded: {exc}") from exc
            except _TRANSIENT as exc:
                raise _Transient(_describe(exc)) from exc
            except httpx.HTTPError as exc:
                raise FetchError(_describe(exc)) from exc
        return FetchResult(
            url=url, final_url=str(response.url), status=response.status_code, content=content,
            content_type=response.headers.get("content-type"), etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"), headers=tuple(response.headers.multi_items()),
        ) if ok or response.status_code == 304 else _failed(url, response)

    @asynccontextmanager
    async def _host_slot(self, host: str) -> AsyncIterator[None]:
        """At most `per_host_concurrency` requests to a host at once, starts `per_host_delay` apart."""
        slot = self._host_slots.setdefault(host, asyncio.Semaphore(self.policy.per_host_concurrency))
        async with slot:
            async with self._host_locks.setdefault(host, asyncio.Lock()):
                loop = asyncio.get_running_loop()
                wait = self._next_start.get(host, 0.0) - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._next_start[host] = loop.time() + self.policy.per_host_delay
            yield

    async def _check_robots(self, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if not self._robots_fresh(origin):
            async with self._host_locks.setdefault("robots " + origin, asyncio.Lock()):
                if not self._robots_fresh(origin):
                    self._robots[origin] = (time.monotonic(), await self._load_robots(origin))
        rules = self._robots[origin][1]
        if rules is not None and not rules.can_fetch(self.policy.user_agent, url):
            raise FetchError(
                f"robots.txt of {parts.hostname} disallows {parts.path or '/'} for our user agent; "
                "set obey_robots = false on the source if you may fetch it anyway"
            )

    def _robots_fresh(self, origin: str) -> bool:
        cached = self._robots.get(origin)
        return cached is not None and time.monotonic() - cached[0] < ROBOTS_TTL

    async def _load_robots(self, origin: str) -> RobotFileParser | None:
        """The rules of robots.txt, or None (allow all) when it is missing or unreadable."""
        try:
            result = await self._attempt(origin + "/robots.txt", {}, _ROBOTS_MAX_BYTES)
        except (FetchError, _Transient):
            return None  # like Scrapy: an unreachable robots.txt does not block; the fetch will tell
        if result.status != 200:
            return None  # RFC 9309: 4xx means no rules
        rules = RobotFileParser()
        rules.parse(result.content.decode("utf-8", errors="replace").splitlines())
        return rules


class _Transient(Exception):
    """A connection-level failure that the next attempt may not meet."""


def _failed(url: str, response: httpx.Response) -> FetchResult:
    return FetchResult(url=url, final_url=str(response.url), status=response.status_code, content=b"",
                       content_type=response.headers.get("content-type"), etag=None, last_modified=None,
                       retry_after=_parse_retry_after(response.headers.get("retry-after")))


def _status_error(result: FetchResult, attempts: int) -> HttpStatusError:
    retry_after = result.retry_after
    message = f"HTTP {result.status} {httpx.codes.get_reason_phrase(result.status)}".rstrip()
    if retry_after is not None:
        message += f"; the site asks to wait {retry_after:g}s"
    if attempts > 1:
        message += f" (after {attempts} attempts)"
    return HttpStatusError(message, result.status, retry_after)


def _parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _describe(exc: httpx.HTTPError) -> str:
    kind = {httpx.ConnectError: "could not connect", httpx.ConnectTimeout: "connecting timed out",
            httpx.RemoteProtocolError: "the server broke the HTTP protocol",
            httpx.ReadError: "the connection broke while reading"}.get(type(exc), type(exc).__name__)
    return f"{kind}: {exc}" if str(exc) else kind
