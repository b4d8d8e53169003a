"""The service's table of contents: every scheduled job, its trigger and the stage function it runs.

| job id                       | trigger                                  | runs                                   |
|------------------------------|------------------------------------------|----------------------------------------|
| `collector.collect:<source>` | the source's interval, each fire + up to `service.jitter` | marks the source due (cheap, never queues twice) |
| `collector.collect`          | every second                             | `collector.jobs.collect(names=<due sources>)`, a batch at a time |
| `pipeline.process`           | `service.pipeline_interval`              | `yuqing.service.pipeline.process` (analysis → stories → tiers → outbox → evidence kept, deletions watched) |
| `alerts.digest`              | daily at `digest.time` in `digest.timezone`, and once at start | `alerts.digest.jobs.run_digest` (makes every missed day) |
| `service.retention`          | daily, first a few minutes after start  | `yuqing.service.retention.apply_retention`     |

Each source keeps its own job (interval, jitter, runs merged when late), but the fetching is
done in batches: one `collect` call fetches many sources concurrently and writes them from one
thread, so its set-up cost is paid once per batch, not once per source. Every source's poll is
still recorded as a run of its own job id. Every batch fetches with the service's one
long-lived fetcher (`collector/fetch_loop.py`), made at start and closed at stop.

"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from yuqing.alerts.digest.jobs import make_digest
from yuqing.alerts.digest.jobs import run_digest as make_due_digests
from yuqing.alerts.jobs import deliver
from yuqing.collector.fetch_loop import FetchLoop
from yuqing.collector.jobs import collect
from yuqing.collector.models import Source
from yuqing.config.settings import Settings
from yuqing.service.pipeline import process
from yuqing.service.retention import apply_retention

JobFunction = Callable[..., Any]  # (settings, sessions, *, now) -> summary


COLLECT_EVERY = timedelta(seconds=1)
BATCH = 40  # sources per collect call: big enough to share its set-up, small enough to stop soon


class JitteredInterval(IntervalTrigger):
    """Every `interval` from `start_date`, each fire delayed by up to `jitter`, the delays not adding up.

    APScheduler's own jitter is added to the previous (already jittered) fire time, so a source
    polled every 10 s with 5 s of jitter came round every 12.5 s on average (the soak's 0.79). Here
    each fire is a grid point plus its own random delay; the jitter is capped at half the interval
    so the grid point a fire belongs to stays unambiguous.
    """

    def __init__(self, *, seconds: float, jitter: float, start_date: datetime) -> None:
        super().__init__(seconds=seconds, start_date=start_date, timezone="UTC")
        self.jitter = min(jitter, seconds / 2) or None  # type: ignore[assignment]

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        """The grid point after `previous_fire_time`'s (or the first at/after `now`), plus a fresh delay."""
        start, step = self.start_date.timestamp(), self.interval_length
        if previous_fire_time is not None:  # its grid point, the jitter taken off, plus one interval
            grid = start + (int((previous_fire_time.timestamp() - start) // step) + 1) * step
        elif self.start_date > now:
            grid = start
        else:
            grid = start + -(-(now.timestamp() - start) // step) * step
        return datetime.fromtimestamp(grid + random.uniform(0, self.jitter or 0), tz=self.timezone)


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: its id, what it runs, when, and how late a run may still start.

    A job with `source` set only marks that source due; `collector.collect` polls it.
    """

    id: str
    run: JobFunction | None
    trigger: BaseTrigger
    grace: timedelta
    source: str | None = None


# The embedded service's one writer job that polls the due sources in a batch (not run in distributed
# mode, where each poll is a task of its own).
BATCH_JOB = "collector.collect"


def job_table(settings: Settings, now: datetime) -> list[JobSpec]:
    """Every job of the service for these settings, first runs soon after `now`."""
    jitter = settings.service.jitter.total_seconds()
    specs = [
        JobSpec(f"collector.collect:{source.name}", None,
                JitteredInterval(seconds=int(source.interval.total_seconds()), jitter=jitter,
                                 start_date=now + timedelta(seconds=1)),
                grace=source.interval, source=source.name)
        for source in settings.sources if source.enabled
    ]
    if specs:
        specs.append(JobSpec(BATCH_JOB, None, IntervalTrigger(seconds=COLLECT_EVERY.total_seconds()),
                             grace=timedelta(minutes=1)))
    pipeline_every = settings.service.pipeline_interval
    specs.append(JobSpec("pipeline.process", process_pipeline,
                         IntervalTrigger(seconds=int(pipeline_every.total_seconds()),
                                         start_date=now + min(pipeline_every, timedelta(seconds=5))),
                         grace=pipeline_every))
    digest_at: time = settings.digest.time
    specs.append(JobSpec("alerts.digest", run_digest,
                         CronTrigger(hour=digest_at.hour, minute=digest_at.minute,
                                     timezone=ZoneInfo(settings.digest.timezone)),
                         grace=timedelta(hours=1)))
    specs.append(JobSpec("service.retention", apply_retention,
                         IntervalTrigger(days=1, start_date=now + timedelta(minutes=3)), grace=timedelta(hours=6)))
    return specs


class DueSources:
    """Sources whose interval came round, in the order they did: per-source jobs add, the batch takes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._due: dict[str, None] = {}

    def add(self, name: str) -> None:
        """Mark a source due (once, however often its job fires before it is polled)."""
        with self._lock:
            self._due.setdefault(name)

    def take(self, limit: int) -> list[str]:
        """The oldest `limit` due sources, no longer due."""
        with self._lock:
            names = list(self._due)[:limit]
            for name in names:
                del self._due[name]
            return names

    def __len__(self) -> int:
        with self._lock:
            return len(self._due)


def backing_off(settings: Settings, sessions: sessionmaker[Session], names: list[str],
                now: datetime) -> dict[str, str]:
    """Of these sources, the failing ones whose backoff has not run out, with why they wait."""
    with sessions() as session:
        rows = session.scalars(select(Source).where(Source.name.in_(names))).all()
    waiting = {row.name: backoff_wait(settings, row.consecutive_failures, row.next_poll_at, now) for row in rows}
    return {name: why for name, why in waiting.items() if why}


def backoff_wait(settings: Settings, failures: int, next_poll_at: datetime | None, now: datetime) -> str | None:
    """Why a source with `failures` failures in a row, next polled at `next_poll_at`, waits at `now`; None
    when it is due (a jittered run may come a little early: the jitter and a second of slack are allowed)."""
    slack = settings.service.jitter + timedelta(seconds=1)
    if failures and next_poll_at and next_poll_at > now + slack:
        return f"backing off after {failures} failures until {next_poll_at:%H:%M:%S} UTC"
    return None


def collect_sources(settings: Settings, sessions: sessionmaker[Session], *, now: datetime, names: list[str],
                    on_result: Callable[[Any], None], fetch_loop: FetchLoop | None = None) -> Any:
    """Poll these sources now (`collector.jobs.collect`); `on_result` gets each source's result as stored.

    `fetch_loop`: the service's long-lived fetcher, shared by every batch.
    """
    return collect(settings, sessions, names=names, now=now, progress=on_result, fetch_loop=fetch_loop)


@dataclass
class ProcessSummary:
    """The summaries of the post-collection steps of one run."""

    steps: dict[str, Any]

    def __str__(self) -> str:
        return "; ".join(f"{name}: {summary}" for name, summary in self.steps.items())


def process_pipeline(settings: Settings, sessions: sessionmaker[Session], *, now: datetime) -> ProcessSummary:
    """Analysis → stories → tiers → outbox, once (`yuqing.service.pipeline.process`)."""
    return ProcessSummary(process(settings, sessions, now=now))


def run_digest(settings: Settings, sessions: sessionmaker[Session], *, now: datetime) -> Any:
    """Make every digest that is due and missing, and send the latest (`alerts.digest.jobs.run_digest`)."""
    return make_due_digests(settings, sessions, now=now)


def write_digest(settings: Settings, sessions: sessionmaker[Session], *, now: datetime, day: date,
                 send: bool) -> Any:
    """Write the digest of one day (`alerts.digest.jobs.make_digest`), sending it or not."""
    return make_digest(settings, sessions, now=now, day=day, send=send)


def deliver_outbox(settings: Settings, sessions: sessionmaker[Session], *, now: datetime) -> Any:
    """Send what is due in the outbox (the service's last act before it exits)."""
    return deliver(settings, sessions, now=now)
