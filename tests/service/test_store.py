"""Job runs and service lives are recorded, read back for status, and kept bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from yuqing.config.database import transaction
from yuqing.service.models import JobRun, ServiceRun
from yuqing.service.store import (
    INTERRUPTED,
    UNCLEAN_STOP,
    get_latest_service_run,
    list_job_records,
    record_heartbeat,
    record_job_finish,
    record_job_run,
    record_job_start,
    record_service_start,
    record_service_stop,
)

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def _run(session: Session, job: str, at: datetime, ok: bool, keep: int = 50) -> None:
    run_id = record_job_start(session, job, at)
    record_job_finish(session, run_id, now=at + timedelta(seconds=1), ok=ok, summary="done" if ok else None,
                      error=None if ok else "boom", keep=keep)


def test_job_runs_are_kept_to_the_last_n_per_job(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        for n in range(12):
            _run(session, "a", T0 + timedelta(minutes=n), ok=True, keep=5)
        _run(session, "b", T0, ok=True, keep=5)
    with db() as session:
        counts = dict(session.execute(select(JobRun.job_id, func.count()).group_by(JobRun.job_id)).tuples().all())
        oldest_kept = session.scalar(select(func.min(JobRun.started_at)).where(JobRun.job_id == "a"))
    assert counts == {"a": 5, "b": 1}
    assert oldest_kept.replace(tzinfo=UTC) == T0 + timedelta(minutes=7)


def test_a_run_recorded_whole_is_read_back_and_kept_bounded(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:  # as a worker records its tasks: start and end in one statement
        for n in range(7):
            at = T0 + timedelta(minutes=n)
            record_job_run(session, "collector.collect:news", at, now=at + timedelta(seconds=2), ok=n != 6,
                           summary="ok" if n != 6 else None, error="HTTP 503" if n == 6 else None, keep=5)
    with db() as session:
        runs = session.scalars(select(JobRun).order_by(JobRun.id)).all()
        record = list_job_records(session)["collector.collect:news"]
    assert [run.started_at.replace(tzinfo=UTC) for run in runs] == [T0 + timedelta(minutes=n) for n in range(2, 7)]
    assert (record.ok, record.error, record.failures_in_a_row) == (False, "HTTP 503", 1)
    assert record.last_ok_at.replace(tzinfo=UTC) == T0 + timedelta(minutes=5, seconds=2)
    assert record.finished_at.replace(tzinfo=UTC) == T0 + timedelta(minutes=6, seconds=2)


def test_records_give_the_last_run_and_failures_in_a_row(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        _run(session, "a", T0, ok=True)
        for n in range(1, 4):
            _run(session, "a", T0 + timedelta(minutes=n), ok=False)
        _run(session, "b", T0, ok=True)
        record_job_start(session, "c", T0)
    with db() as session:
        records = list_job_records(session)
    assert records["a"].ok is False and records["a"].error == "boom" and records["a"].failures_in_a_row == 3
    assert records["a"].last_ok_at == T0 + timedelta(seconds=1)
    assert records["b"].ok is True and records["b"].failures_in_a_row == 0
    assert records["c"].ok is None and records["c"].finished_at is None


def test_a_new_start_closes_what_a_killed_service_left_open(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        first = record_service_start(session, pid=1, hostname="h", version="0", now=T0)
        record_heartbeat(session, first, T0 + timedelta(minutes=5))
        record_job_start(session, "collector.collect:news", T0 + timedelta(minutes=5))
    with transaction(db) as session:
        second = record_service_start(session, pid=2, hostname="h", version="0", now=T0 + timedelta(hours=1))
    with db() as session:
        killed = session.get(ServiceRun, first)
        assert killed.stopped_at == T0 + timedelta(minutes=5) and killed.stop_reason == UNCLEAN_STOP
        run = session.scalars(select(JobRun)).one()
        assert run.ok is False and run.error == INTERRUPTED
        assert get_latest_service_run(session).id == second
    with transaction(db) as session:
        record_service_stop(session, second, now=T0 + timedelta(hours=2), reason="received SIGTERM")
    with db() as session:
        latest = get_latest_service_run(session)
    assert latest.stop_reason == "received SIGTERM" and latest.stopped_at == T0 + timedelta(hours=2)


def test_service_lives_are_bounded(db: sessionmaker[Session]) -> None:
    for n in range(25):
        with transaction(db) as session:
            record_service_start(session, pid=n, hostname="h", version="0", now=T0 + timedelta(minutes=n))
    with db() as session:
        assert session.scalar(select(func.count()).select_from(ServiceRun)) == 20
