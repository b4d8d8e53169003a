"""The service's table of contents: every scheduled job, its trigger and the stage function it runs.

| job id                       | trigger                                  | runs                                   |
|------------------------------|------------------------------------------|----------------------------------------|
| `collector.collect:<source>` | the source's interval + `service.jitter` | `collector.jobs.collect(names=[source])` |
| `pipeline.process`           | `service.pipeline_interval`              | `config.pipeline.process` (analysis → stories → tiers → outbox) |
| `alerts.digest`              | daily at `digest.time` in `digest.timezone`, and once at start | `alerts.digest_jobs.run_digest` (makes every missed day) |
| `service.retention`          | daily, first a few minutes after start  | `config.retention.apply_retention`     |

Stage functions are imported when a job runs, so a build without a stage says so in `yuqing status`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from collector.models import Source
from config.errors import FetchError, ServiceError
from config.pipeline import process
from config.retention import apply_retention
from config.settings import Settings

JobFunction = Callable[..., Any]  # (settings, sessions, *, now) -> summary


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: its id, what it runs, when, and how late a run may still start."""

    id: str
    run: JobFunction
    trigger: BaseTrigger
    grace: timedelta
    collects: bool = False  # collection jobs may run in their own pool on PostgreSQL


def job_table(settings: Settings, now: datetime) -> list[JobSpec]:
    """Every job of the service for these settings, first runs soon after `now`."""
    jitter = int(settings.service.jitter.total_seconds()) or None
    specs = [
        JobSpec(f"collector.collect:{source.name}", partial(collect_source, name=source.name),
                IntervalTrigger(seconds=int(source.interval.total_seconds()), jitter=jitter,
                                start_date=now + timedelta(seconds=1)),
                grace=source.interval, collects=True)
        for source in settings.sources if source.enabled
    ]
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


def _missing(module: str, name: str, exc: ImportError) -> Exception:
    """A clear error for a stage function this build lacks; any other import failure as it is."""
    if exc.name != module:
        return exc
    return ServiceError(f"this build of yuqing has no {module}.{name}; install a complete release of yuqing")


def collect_source(settings: Settings, sessions: sessionmaker[Session], *, now: datetime, name: str) -> Any:
    """Poll one source now, unless it is failing and its backoff has not run out."""
    try:
        from collector.jobs import collect
    except ImportError as exc:
        raise _missing("collector.jobs", "collect", exc) from exc
    with sessions() as session:
        row = session.scalars(select(Source).where(Source.name == name)).first()
    slack = settings.service.jitter + timedelta(seconds=1)  # a jittered run may come a little early
    if row is not None and row.consecutive_failures and row.next_poll_at and row.next_poll_at > now + slack:
        return f"{name}: backing off after {row.consecutive_failures} failures until {row.next_poll_at:%H:%M:%S} UTC"
    report = collect(settings, sessions, names=[name], now=now)
    failed = getattr(report, "failed", [])
    if failed:
        raise FetchError(str(failed[0]))
    return report


@dataclass
class ProcessSummary:
    """The summaries of the post-collection steps of one run."""

    steps: dict[str, Any]

    def __str__(self) -> str:
        return "; ".join(f"{name}: {summary}" for name, summary in self.steps.items()) or "no steps installed"


def process_pipeline(settings: Settings, sessions: sessionmaker[Session], *, now: datetime) -> ProcessSummary:
    """Analysis → stories → tiers → outbox, once (`config.pipeline.process`)."""
    return ProcessSummary(process(settings, sessions, now=now))


def run_digest(settings: Settings, sessions: sessionmaker[Session], *, now: datetime) -> Any:
    """Make every digest that is due and missing, and send the latest (`alerts.digest_jobs.run_digest`)."""
    try:
        from alerts.digest_jobs import run_digest as run
    except ImportError as exc:
        raise _missing("alerts.digest_jobs", "run_digest", exc) from exc
    return run(settings, sessions, now=now)


def write_digest(settings: Settings, sessions: sessionmaker[Session], *, now: datetime, day: date,
                 send: bool) -> Any:
    """Write the digest of one day (`alerts.digest_jobs.make_digest`), sending it or not."""
    try:
        from alerts.digest_jobs import make_digest
    except ImportError as exc:
        raise _missing("alerts.digest_jobs", "make_digest", exc) from exc
    return make_digest(settings, sessions, now=now, day=day, send=send)


def deliver_outbox(settings: Settings, sessions: sessionmaker[Session], *, now: datetime) -> Any:
    """Send what is due in the outbox (the service's last act before it exits)."""
    try:
        from alerts.jobs import deliver
    except ImportError as exc:
        raise _missing("alerts.jobs", "deliver", exc) from exc
    return deliver(settings, sessions, now=now)
