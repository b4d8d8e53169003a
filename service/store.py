"""Store of the service layer: its own records (job runs and service lives, `yuqing.service.models`,
kept bounded) and retention's deletes across every stage's tables.

Session first; the caller commits (`delete_in_chunks` commits each chunk itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, delete, exists, func, insert, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from yuqing.alerts.models import Delivery
from yuqing.analysis.models import Story, StoryPost
from yuqing.collector.models import Post, Snapshot, SourcePoll
from yuqing.config.database import hour_ceiling, transaction
from yuqing.service.models import JobRun, ServiceRun

CHUNK = 2_000  # rows per retention transaction: the single SQLite writer is never held for long

JOB_RUNS_KEPT = 50  # per job: enough to see a pattern, bounded for months of running
SERVICE_RUNS_KEPT = 20
_RUNS = JobRun.__table__
_INSERT_RUN = insert(_RUNS)  # the statements a worker runs for every task, built once
_PRUNE_RUNS = delete(_RUNS).where(
    _RUNS.c.job_id == bindparam("job"),
    _RUNS.c.id < select(_RUNS.c.id).where(_RUNS.c.job_id == bindparam("job")).order_by(_RUNS.c.id.desc())
    .offset(bindparam("skip")).limit(1).scalar_subquery())
UNCLEAN_STOP = "ended without a clean stop (killed, crashed or the machine went down)"
INTERRUPTED = "interrupted: the service stopped during this run; the next run completes its work"


@dataclass(frozen=True)
class JobRecord:
    """The last run of one job, and the last time it succeeded."""

    job_id: str
    started_at: datetime
    finished_at: datetime | None
    ok: bool | None  # None while running (or if the process died during the run)
    summary: str | None
    error: str | None
    last_ok_at: datetime | None
    failures_in_a_row: int


def record_job_start(session: Session, job_id: str, now: datetime) -> int:
    """Record that a job started; return the run's id."""
    run = JobRun(job_id=job_id, started_at=now)
    session.add(run)
    session.flush()
    return run.id


def record_job_finish(session: Session, run_id: int, *, now: datetime, ok: bool, summary: str | None,
                      error: str | None, keep: int = JOB_RUNS_KEPT) -> None:
    """Record how a job run ended, and drop that job's runs beyond the last `keep`."""
    run = session.get(JobRun, run_id)
    if run is None:  # pruned meanwhile by retention: nothing left to update
        return
    run.finished_at, run.ok, run.summary, run.error = now, ok, summary, error
    session.flush()
    prune_job_runs(session, run.job_id, keep)


def record_job_run(db: Session | Connection, job_id: str, started: datetime, *, now: datetime, ok: bool,
                   summary: str | None, error: str | None, keep: int = JOB_RUNS_KEPT) -> None:
    """Record a job run that has ended, start and end at once (a worker's task: nobody could see its
    start before its end anyway), and drop that job's runs beyond the last `keep`. Two Core
    statements, no ORM object: a worker records one per poll."""
    db.execute(_INSERT_RUN, {"job_id": job_id, "started_at": started, "finished_at": now, "ok": ok,
                             "summary": summary, "error": error})
    prune_job_runs(db, job_id, keep)


def prune_job_runs(db: Session | Connection, job_id: str, keep: int = JOB_RUNS_KEPT) -> int:
    """Delete a job's runs older than its last `keep` (one statement); return how many went."""
    return db.execute(_PRUNE_RUNS, {"job": job_id, "skip": keep - 1}).rowcount or 0


def mark_interrupted_runs(session: Session, now: datetime) -> int:
    """Close runs a dead process left unfinished, so status tells them apart from running ones."""
    result = session.execute(
        update(JobRun).where(JobRun.finished_at.is_(None)).values(finished_at=now, ok=False, error=INTERRUPTED)
    )
    return result.rowcount or 0


def list_job_records(session: Session) -> dict[str, JobRecord]:
    """The latest run of every job that ever ran, by job id."""
    latest = select(func.max(JobRun.id)).group_by(JobRun.job_id)
    runs = session.scalars(select(JobRun).where(JobRun.id.in_(latest))).all()
    last_ok = dict(session.execute(
        select(JobRun.job_id, func.max(JobRun.finished_at)).where(JobRun.ok.is_(True)).group_by(JobRun.job_id)
    ).tuples().all())
    failures = dict(session.execute(
        select(JobRun.job_id, func.count()).where(JobRun.ok.is_(False)).group_by(JobRun.job_id)
    ).tuples().all())
    records = {}
    for run in runs:
        ok_at = last_ok.get(run.job_id)
        in_a_row = 0 if run.ok is not False else _failures_since(session, run.job_id, ok_at, failures)
        records[run.job_id] = JobRecord(run.job_id, run.started_at, run.finished_at, run.ok, run.summary,
                                        run.error, ok_at, in_a_row)
    return records


def _failures_since(session: Session, job_id: str, ok_at: datetime | None, failures: dict[str, int]) -> int:
    if ok_at is None:
        return failures.get(job_id, 0)
    return session.scalar(
        select(func.count()).select_from(JobRun)
        .where(JobRun.job_id == job_id, JobRun.ok.is_(False), JobRun.started_at >= ok_at)
    ) or 0


def record_service_start(session: Session, *, pid: int, hostname: str, version: str, now: datetime) -> int:
    """Record a new life of the service (closing any a dead process left open); return its id."""
    session.execute(
        update(ServiceRun).where(ServiceRun.stopped_at.is_(None))
        .values(stopped_at=ServiceRun.heartbeat_at, stop_reason=UNCLEAN_STOP)
    )
    mark_interrupted_runs(session, now)
    run = ServiceRun(pid=pid, hostname=hostname, version=version, started_at=now, heartbeat_at=now)
    session.add(run)
    session.flush()
    cutoff = session.scalar(select(ServiceRun.id).order_by(ServiceRun.id.desc()).offset(SERVICE_RUNS_KEPT).limit(1))
    if cutoff is not None:
        session.execute(delete(ServiceRun).where(ServiceRun.id <= cutoff))
    return run.id


def record_heartbeat(session: Session, run_id: int, now: datetime, skipped: dict[str, int] | None = None) -> None:
    """The service is alive at `now`; `skipped`: its coalesced runs per job so far, when given."""
    values: dict[str, Any] = {"heartbeat_at": now}
    if skipped is not None:
        values["skipped_runs"] = dict(skipped)
    session.execute(update(ServiceRun).where(ServiceRun.id == run_id).values(**values))


def record_service_stop(session: Session, run_id: int, *, now: datetime, reason: str) -> None:
    """The service stopped cleanly, for `reason`."""
    session.execute(
        update(ServiceRun).where(ServiceRun.id == run_id).values(stopped_at=now, heartbeat_at=now, stop_reason=reason)
    )


def get_latest_service_run(session: Session) -> ServiceRun | None:
    """The most recent life of the service, if it ever ran on this database."""
    return session.scalars(select(ServiceRun).order_by(ServiceRun.id.desc()).limit(1)).first()


def archive_stories(session: Session, cutoff: datetime) -> int:
    """Mark archived every story whose last post is older than `cutoff`; its figures stay."""
    result = session.execute(
        update(Story).where(Story.last_post_at < cutoff, Story.archived.is_(False)).values(archived=True)
    )
    return result.rowcount or 0


def rows_before(table: str, cutoff: datetime) -> tuple[Any, ColumnElement[bool]]:
    """Rows of a record table ("polls", "deliveries", "job_runs") made before `cutoff`."""
    model, column = {"polls": (SourcePoll, SourcePoll.started_at), "deliveries": (Delivery, Delivery.attempted_at),
                     "job_runs": (JobRun, JobRun.started_at)}[table]
    return model, column < cutoff


def superseded_snapshots_before(cutoff: datetime) -> tuple[type[Snapshot], ColumnElement[bool]]:
    """Snapshots taken before `cutoff` that a later snapshot of the same post, also before it,
    supersedes: the last one before `cutoff` stays, the count the post held at the cutoff."""
    newer = aliased(Snapshot)
    superseded = exists().where(newer.post_id == Snapshot.post_id, newer.taken_at > Snapshot.taken_at,
                                newer.taken_at < cutoff)
    return Snapshot, (Snapshot.taken_at < cutoff) & superseded


def thin_snapshots(sessions: sessionmaker[Session], cutoff: datetime, posts_per_chunk: int = 1_000) -> int:
    """Thin each post's snapshots taken before `cutoff` to one per hour; return how many went.

    Kept: the last snapshot of each hour (so the count held at every whole hour is unchanged),
    the post's first (the base of its growth when first seen) and hence its latest. A snapshot
    goes when a later one of the same post falls in the same hour (ending at the whole hour).
    One transaction per range of `posts_per_chunk` post ids: an interrupted run leaves a valid
    series and the next one finishes the work.
    """
    later, earlier = aliased(Snapshot), aliased(Snapshot)
    with sessions() as session:
        low, high = session.execute(select(func.min(Snapshot.post_id), func.max(Snapshot.post_id))
                                    .where(Snapshot.taken_at < cutoff)).one()
    total = 0
    for start in range(low or 0, (high or -1) + 1, posts_per_chunk):
        doomed = select(Snapshot.id).where(
            Snapshot.post_id >= start, Snapshot.post_id < start + posts_per_chunk, Snapshot.taken_at < cutoff,
            exists().where(later.post_id == Snapshot.post_id, later.taken_at > Snapshot.taken_at,
                           later.taken_at <= hour_ceiling(Snapshot.taken_at)),
            exists().where(earlier.post_id == Snapshot.post_id, earlier.taken_at < Snapshot.taken_at),
        )
        with transaction(sessions) as session:
            total += session.execute(delete(Snapshot).where(Snapshot.id.in_(doomed))).rowcount or 0
    return total


def old_posts_outside_active_stories(cutoff: datetime) -> tuple[type[Post], ColumnElement[bool]]:
    """Posts last seen before `cutoff` that belong to no story, or only to archived ones."""
    in_active_story = (
        select(StoryPost.post_id).join(Story, Story.id == StoryPost.story_id)
        .where(StoryPost.post_id == Post.id, Story.archived.is_(False)).exists()
    )
    return Post, (Post.last_seen_at < cutoff) & ~in_active_story


def delete_in_chunks(sessions: sessionmaker[Session], model: Any, condition: ColumnElement[bool]) -> int:
    """Delete the rows of `model` matching `condition`, CHUNK at a time; return how many went."""
    total = 0
    while True:
        with transaction(sessions) as session:
            ids = session.scalars(select(model.id).where(condition).limit(CHUNK)).all()
            if ids:
                session.execute(delete(model).where(model.id.in_(ids)))
        total += len(ids)
        if len(ids) < CHUNK:
            return total
