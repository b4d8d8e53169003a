"""What `yuqing status` reports (docs/spec.md §7): the service running or not, each job's last run, the
outbox backlog, the failing sources and the database's size — read from the lock and the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from yuqing.alerts.store import count_outbox
from yuqing.collector.store import SourceHealth, list_source_health
from yuqing.config.settings import Settings
from yuqing.service.dist_status import DistributedStatus, get_distributed_status
from yuqing.service.lock import Holder, is_locked, lock_holder
from yuqing.service.models import ServiceRun
from yuqing.service.runner import HEARTBEAT
from yuqing.service.scheduler import BATCH_JOB, job_table
from yuqing.service.storage import StorageStatus, get_storage
from yuqing.service.store import UNCLEAN_STOP, JobRecord, get_latest_service_run, list_job_records

STALE_AFTER = HEARTBEAT * 4  # a running service whose heartbeat is older is stuck or overloaded


@dataclass
class JobStatus:
    """One configured job and its last run; `state` is ok | failed | running | interrupted | never run
    (interrupted: left unfinished by a process that is gone — the next start marks it failed)."""

    id: str
    state: str
    last_started_at: datetime | None = None
    last_finished_at: datetime | None = None
    summary: str | None = None
    error: str | None = None
    last_ok_at: datetime | None = None
    failures_in_a_row: int = 0
    skipped_runs: int = 0  # runs that came due while the previous still ran, merged into it (this life)


@dataclass
class OutboxStatus:
    """Alerts waiting in the outbox."""

    pending: int = 0
    held: int = 0
    failed: int = 0
    oldest_pending_at: datetime | None = None
    oldest_pending_age_seconds: float | None = None


@dataclass
class ServiceStatus:
    """Everything `yuqing status` prints.

    `running`: some process holds the service lock. `starting`: it has not recorded its life yet
    (e.g. it waits on a database another writer locks); pid and host are then the lock holder's,
    and the latest recorded life, if it never stopped, is reported as ended without a clean stop.
    """

    running: bool
    checked_at: datetime
    starting: bool = False
    pid: int | None = None
    hostname: str | None = None
    version: str | None = None
    since: datetime | None = None
    heartbeat_at: datetime | None = None
    heartbeat_age_seconds: float | None = None
    stale: bool = False
    last_stopped_at: datetime | None = None
    last_stop_reason: str | None = None
    jobs: list[JobStatus] = field(default_factory=list)
    outbox: OutboxStatus = field(default_factory=OutboxStatus)
    failing_sources: list[SourceHealth] = field(default_factory=list)
    storage: StorageStatus | None = None
    distributed: DistributedStatus | None = None  # when [queue] is configured (distributed mode)


def get_status(settings: Settings, engine: Engine, sessions: sessionmaker[Session], now: datetime) -> ServiceStatus:
    """Gather the service's status at `now`."""
    status = ServiceStatus(running=is_locked(engine), checked_at=now)
    holder = lock_holder(engine) if status.running else None
    with sessions() as session:
        life = get_latest_service_run(session)
        if life is not None:
            status.version = life.version
            _describe_life(status, life, holder, now)
        elif holder is not None:
            _starting(status, holder, now)
        records = list_job_records(session)
        skipped = (life.skipped_runs or {}) if life is not None else {}
        alive = status.running and not status.starting and status.pid is not None
        status.jobs = [_job_status(spec.id, records.get(spec.id), skipped.get(spec.id, 0), alive)
                       for spec in job_table(settings, now)
                       if not (settings.queue is not None and spec.id == BATCH_JOB)]
        status.outbox = _outbox(session, now)
        status.failing_sources = [h for h in list_source_health(session, settings.sources)
                                  if h.status in ("failing", "blocked")]  # blocked: issue 17
        status.storage = get_storage(session, engine, settings.evidence.max_total_bytes)
        if settings.queue is not None and engine.dialect.name == "postgresql":
            status.distributed = get_distributed_status(settings, session, now)
    return status


def _describe_life(status: ServiceStatus, life: ServiceRun, holder: Holder | None, now: datetime) -> None:
    """Fill in the service's process from its latest recorded life and the lock's holder."""
    alive = status.running and life.stopped_at is None
    if alive and (holder is None or holder.owns(life.pid, life.hostname, life.started_at)):
        status.pid, status.hostname, status.since = life.pid, life.hostname, life.started_at
        status.heartbeat_at = life.heartbeat_at
        status.heartbeat_age_seconds = (now - life.heartbeat_at).total_seconds()
        status.stale = now - life.heartbeat_at > STALE_AFTER
        return
    status.hostname, status.heartbeat_at = life.hostname, life.heartbeat_at
    if life.stopped_at is None:  # its process died: the lock is free, or another process took it
        status.last_stopped_at, status.last_stop_reason = life.heartbeat_at, UNCLEAN_STOP
    else:
        status.last_stopped_at, status.last_stop_reason = life.stopped_at, life.stop_reason
    if status.running and holder is not None:
        _starting(status, holder, now)
    elif status.running:  # a process holds the lock but does not say who it is: not this life, at least
        status.starting, status.hostname = True, None


def _starting(status: ServiceStatus, holder: Holder, now: datetime) -> None:
    status.starting, status.pid, status.hostname, status.since = True, holder.pid, holder.hostname, holder.acquired_at
    status.stale = now - holder.acquired_at > STALE_AFTER  # starting for minutes: stuck


def _job_status(job_id: str, record: JobRecord | None, skipped: int, alive: bool) -> JobStatus:
    if record is None:
        return JobStatus(job_id, "never run", skipped_runs=skipped)
    state = {True: "ok", False: "failed", None: "running" if alive else "interrupted"}[record.ok]
    return JobStatus(job_id, state, record.started_at, record.finished_at, record.summary, record.error,
                     record.last_ok_at, record.failures_in_a_row, skipped)


def _outbox(session: Session, now: datetime) -> OutboxStatus:
    counts, oldest = count_outbox(session)
    if oldest is not None and oldest.tzinfo is None:  # aggregates bypass the column type on SQLite
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return OutboxStatus(
        pending=counts.get("pending", 0), held=counts.get("held", 0), failed=counts.get("failed", 0),
        oldest_pending_at=oldest, oldest_pending_age_seconds=(now - oldest).total_seconds() if oldest else None,
    )
