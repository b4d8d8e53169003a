"""Collector stage, a fetcher that outlives one pass: `FetchPolicy` → an event loop in a helper
thread holding one `Fetcher` (one httpx connection pool, per-host spacing, robots.txt rules) for
the life of `yuqing run`.

`yuqing collect` and the demo make a `Fetcher` per pass (`collector/poll.py`); the service makes
one `FetchLoop` at start and passes it to every collect call, so a poll does not pay for a new
client, new connections, a fresh event loop and robots.txt again, and per-host politeness holds
across batches (two batches polling one host do not start requests closer than `per_host_delay`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from yuqing.collector.fetcher import Fetcher, FetchPolicy

logger = logging.getLogger(__name__)
T = TypeVar("T")
CLOSE_WITHIN = 5.0  # seconds for in-flight requests to be cancelled and the connections closed


class FetchLoop:
    """One event loop and one open `Fetcher` in a daemon thread, until `close()`."""

    def __init__(self, policy: FetchPolicy) -> None:
        self.policy = policy
        self._loop = asyncio.new_event_loop()
        self._closed = False
        self._thread = threading.Thread(target=self._loop.run_forever, name="yuqing-fetch-loop", daemon=True)
        self._thread.start()
        self.fetcher = Fetcher(policy)
        self.run(self.fetcher.__aenter__())

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run `work` on the loop and wait for its result (or exception) in the calling thread."""
        if self._closed:
            work.close()
            raise RuntimeError("the fetch loop is closed")
        return asyncio.run_coroutine_threadsafe(work, self._loop).result()

    def close(self) -> None:
        """Cancel what is still in flight, close the connections and stop the thread (idempotent)."""
        if self._closed:
            return
        self._closed = True
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=CLOSE_WITHIN)
        except Exception as exc:  # closing must not stop the service's own stop
            logger.warning("the fetch loop did not close cleanly: %s: %s", type(exc).__name__, exc)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=CLOSE_WITHIN)
        if not self._thread.is_alive():
            self._loop.close()

    async def _shutdown(self) -> None:
        others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        await self.fetcher.__aexit__(None, None, None)

    def __enter__(self) -> FetchLoop:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
