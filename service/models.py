"""Tables of the service itself: job runs and service lives, read by `yuqing status`; the tasks and
processes of distributed mode."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yuqing.config.database import Base, JSONType, UTCDateTime, utcnow


class JobRun(Base):
    """One run of a scheduled job ("<stage>.<function>"): when, how it ended, what it did."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_id_started_at", "job_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ok: Mapped[bool | None] = mapped_column(Boolean)
    summary: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)


class ServiceRun(Base):
    """One life of `yuqing run`: which process, since when, its last heartbeat, how it ended."""

    __tablename__ = "service_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    pid: Mapped[int] = mapped_column(Integer)
    hostname: Mapped[str] = mapped_column(String(255))
    version: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stop_reason: Mapped[str | None] = mapped_column(Text)
    # per job id: runs that came due while the previous run still ran, merged into it (coalesced)
    skipped_runs: Mapped[dict[str, int] | None] = mapped_column(JSONType)


class DistTask(Base):
    """One unit of work of distributed mode (docs/deployment.md), keyed so that it is done once:
    `poll:<source>:<slot>`, `step:<slot>:<step>`, `deliver:<slot>:<channel>:<why>`, ….

    The message on the broker says what to do; this row says whether it is done. `sent_at` is
    when the message last went to the broker (None: not yet, the sweeper sends it); `deadline_at`
    is when the work stops being worth doing (a poll's next slot) and the sweeper expires it.
    """

    __tablename__ = "dist_tasks"
    __table_args__ = (Index("ix_dist_tasks_open", "finished_at", "queue", "enqueued_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    queue: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(60))
    args: Mapped[dict[str, Any]] = mapped_column(JSONType)
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sends: Mapped[int] = mapped_column(Integer, default=0)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(200))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ok: Mapped[bool | None] = mapped_column(Boolean)
    summary: Mapped[str | None] = mapped_column(Text)


class DistNode(Base):
    """One process of distributed mode: a `yuqing clock` (active or standby) or a worker process,
    with its heartbeat; `yuqing status` lists the live ones."""

    __tablename__ = "dist_nodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)  # "<role> <host>:<pid>"
    role: Mapped[str] = mapped_column(String(10))  # clock | worker
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    queues: Mapped[list[str] | None] = mapped_column(JSONType)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tasks_done: Mapped[int] = mapped_column(Integer, default=0)
