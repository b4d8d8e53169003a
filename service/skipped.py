"""The service's skipped runs: a job that comes due while its previous run still runs is merged
into it (APScheduler `max_instances = 1`, `coalesce`). For the every-second collection batch that
is normal under load, so it is counted per job — a figure `yuqing status` shows — not logged each time.
"""

from __future__ import annotations

import logging
import threading

from apscheduler.events import JobSubmissionEvent

logger = logging.getLogger(__name__)
SCHEDULER_LOGGER = "apscheduler.scheduler"
_SKIPPED_TEXT = "skipped: maximum number of running instances reached"


class _DropSkippedWarnings(logging.Filter):
    """Drops APScheduler's per-occurrence warning; the count stands in for it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return _SKIPPED_TEXT not in str(record.msg)


DROP_SKIPPED_WARNINGS = _DropSkippedWarnings()  # one instance: adding it twice is a no-op


class SkippedRuns:
    """Skipped runs per job id during one life of the service (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def count(self, event: JobSubmissionEvent) -> None:
        """The scheduler's EVENT_JOB_MAX_INSTANCES listener: one more skipped run of that job."""
        with self._lock:
            first = event.job_id not in self._counts
            self._counts[event.job_id] = self._counts.get(event.job_id, 0) + 1
        if first:  # said once; from here on it is a figure in `yuqing status`
            logger.info("a run came due while the previous one still ran; merged into it (counted as skipped "
                        "runs in yuqing status, not logged again)", extra={"job": event.job_id})

    def counts(self) -> dict[str, int]:
        """A copy of the counts so far, by job id."""
        with self._lock:
            return dict(self._counts)
