"""The service's table of contents: every scheduled job, its trigger and the stage function it runs.

| job id                       | trigger                                  | runs                                   |
|------------------------------|------------------------------------------|----------------------------------------|
| `collector.collect:<source>` | the source's interval + `service.jitter` | `collector.jobs.collect(names=[source])` |
| `pipeline.process`           | `service.pipeline_interval`              | `config.pipeline.process` (analysis → stories → tiers → outbox) |
| `alerts.digest`              | daily at `digest.time` in `digest.timezone` | `alerts.jobs.make_digest` (caught up at start) |
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

from alerts.models import Digest
from collector.models import Post, Source
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
    specs.append(JobSpec("alerts.digest", make_digest,
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


def make_digest(settings: Settings, sessions: sessionmaker[Session], *, now: datetime,
                day: date | None = None, send: bool = True) -> Any:
    """Write (and send) the digest of `day` (default: the local day before `now`)."""
    try:
        from alerts.jobs import make_digest as make
    except ImportError as exc:
        raise _missing("alerts.jobs", "make_digest", exc) from exc
    return make(settings, sessions, now=now, day=day, send=send)


def deliver_outbox(settings: Settings, sessions: sessionmaker[Session], *, now: datetime) -> Any:
    """Send what is due in the outbox (the service's last act before it exits)."""
    try:
        from alerts.jobs import deliver
    except ImportError as exc:
        raise _missing("alerts.jobs", "deliver", exc) from exc
    return deliver(settings, sessions, now=now)


def last_due_digest(settings: Settings, now: datetime) -> tuple[date, datetime]:
    """(the day, the moment) of the most recent digest that was due at or before `now`."""
    zone = ZoneInfo(settings.digest.timezone)
    local = now.astimezone(zone)
    due_today = datetime.combine(local.date(), settings.digest.time, zone)
    if local >= due_today:
        return local.date() - timedelta(days=1), due_today
    return local.date() - timedelta(days=2), due_today - timedelta(days=1)


def digest_to_catch_up(settings: Settings, session: Session, now: datetime) -> date | None:
    """The day whose digest was due while the service was down: it had posts and has no digest."""
    day, _ = last_due_digest(settings, now)
    if session.scalars(select(Digest.id).where(Digest.day == day)).first() is not None:
        return None
    zone = ZoneInfo(settings.digest.timezone)
    start = datetime.combine(day, time(0), zone)
    had_posts = session.scalars(
        select(Post.id).where(Post.first_seen_at >= start, Post.first_seen_at < start + timedelta(days=1)).limit(1)
    ).first()
    return day if had_posts is not None else None
