"""What `yuqing status` reports (docs/spec.md §7): the service running or not, each job's last run, the
outbox backlog and the failing sources — read from the lock and the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from yuqing.alerts.store import count_outbox
from yuqing.collector.store import SourceHealth, list_source_health
from yuqing.config.settings import Settings
from yuqing.service.lock import is_locked
from yuqing.service.runner import HEARTBEAT
from yuqing.service.scheduler import job_table
from yuqing.service.store import JobRecord, get_latest_service_run, list_job_records

STALE_AFTER = HEARTBEAT * 4  # a running service whose heartbeat is older is stuck or overloaded


@dataclass
class JobStatus:
    """One configured job and its last run; `state` is ok | failed | running | never run."""

    id: str
    state: str
    last_started_at: datetime | None = None
    last_finished_at: datetime | None = None
    summary: str | None = None
    error: str | None = None
    last_ok_at: datetime | None = None
    failures_in_a_row: int = 0


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
    """Everything `yuqing status` prints."""

    running: bool
    checked_at: datetime
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


def get_status(settings: Settings, engine: Engine, sessions: sessionmaker[Session], now: datetime) -> ServiceStatus:
    """Gather the service's status at `now`."""
    status = ServiceStatus(running=is_locked(engine), checked_at=now)
    with sessions() as session:
        life = get_latest_service_run(session)
        if life is not None:
            status.hostname, status.version, status.heartbeat_at = life.hostname, life.version, life.heartbeat_at
            if status.running and life.stopped_at is None:
                status.pid, status.since = life.pid, life.started_at
                status.heartbeat_age_seconds = (now - life.heartbeat_at).total_seconds()
                status.stale = now - life.heartbeat_at > STALE_AFTER
            else:
                status.last_stopped_at, status.last_stop_reason = life.stopped_at, life.stop_reason
        records = list_job_records(session)
        status.jobs = [_job_status(spec.id, records.get(spec.id)) for spec in job_table(settings, now)]
        status.outbox = _outbox(session, now)
        status.failing_sources = [h for h in list_source_health(session, settings.sources)
                                  if h.status in ("failing", "blocked")]  # blocked: issue 17
    return status


def _job_status(job_id: str, record: JobRecord | None) -> JobStatus:
    if record is None:
        return JobStatus(job_id, "never run")
    state = {True: "ok", False: "failed", None: "running"}[record.ok]
    return JobStatus(job_id, state, record.started_at, record.finished_at, record.summary, record.error,
                     record.last_ok_at, record.failures_in_a_row)


def _outbox(session: Session, now: datetime) -> OutboxStatus:
    counts, oldest = count_outbox(session)
    if oldest is not None and oldest.tzinfo is None:  # aggregates bypass the column type on SQLite
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return OutboxStatus(
        pending=counts.get("pending", 0), held=counts.get("held", 0), failed=counts.get("failed", 0),
        oldest_pending_at=oldest, oldest_pending_age_seconds=(now - oldest).total_seconds() if oldest else None,
    )
