"""`yuqing run`: the job table (`yuqing.service.scheduler`) on APScheduler 3, guarded by the database lock,
every run recorded in `job_runs`, stopped cleanly by SIGTERM/SIGINT.

Every job that writes runs in one thread (one writer: the SQLite WAL bug in docs/field-notes.md); fetching
inside a collection batch is concurrent. The database, not the scheduler, is the source of
truth: jobs are rebuilt from the configuration at every start.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from types import FrameType
from typing import Any

from apscheduler.events import EVENT_JOB_MAX_INSTANCES
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from yuqing.collector.fetch_loop import FetchLoop
from yuqing.collector.fetcher import FetchPolicy
from yuqing.config.database import session_factory, transaction, utcnow
from yuqing.config.errors import ServiceError, YuqingError
from yuqing.config.redact import redact_database_url
from yuqing.config.settings import Settings
from yuqing.service.lock import ServiceLock
from yuqing.service.migrate import check_schema
from yuqing.service.pipeline import WAKE_GAP
from yuqing.service.scheduler import (
    BATCH,
    BATCH_JOB,
    DueSources,
    JobFunction,
    JobSpec,
    backing_off,
    collect_sources,
    deliver_outbox,
    job_table,
    run_digest,
)
from yuqing.service.skipped import DROP_SKIPPED_WARNINGS, SCHEDULER_LOGGER, SkippedRuns
from yuqing.service.store import (
    get_latest_service_run,
    record_heartbeat,
    record_job_finish,
    record_job_start,
    record_service_start,
    record_service_stop,
)

logger = logging.getLogger(__name__)
HEARTBEAT = timedelta(seconds=30)
CATCH_UP_AFTER = timedelta(seconds=20)
PIPELINE_JOB = "pipeline.process"


class _Stopping(Exception):
    """Raised from the collector's progress callback to stop a batch after the current source."""


def yuqing_version() -> str:
    """The installed version of yuqing."""
    try:
        return version("yuqing")
    except PackageNotFoundError:
        return "unknown"


class Service:
    """One running `yuqing run`: lock, scheduler, recorded jobs, clean stop."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.sessions: sessionmaker[Session] = session_factory(engine)
        self.lock = ServiceLock(engine)
        self.stopping = threading.Event()
        self.stop_reason = "stopped"
        self.exit_code = 0
        self.run_id: int | None = None
        self.scheduler: BackgroundScheduler | None = None
        self.due = DueSources()
        self.skipped = SkippedRuns()
        self.fetch_loop: FetchLoop | None = None  # one fetcher for every batch, made at start
        self._last_wake = datetime.min.replace(tzinfo=UTC)

    def start(self) -> None:
        """Check the schema, take the lock, record this life and start the jobs."""
        check_schema(self.engine)
        if not self.lock.acquire():
            raise ServiceError(self._refusal())
        now = utcnow()
        with transaction(self.sessions) as session:
            self.run_id = record_service_start(session, pid=os.getpid(), hostname=socket.gethostname(),
                                               version=yuqing_version(), now=now)
        if any(source.enabled for source in self.settings.sources):
            self.fetch_loop = FetchLoop(FetchPolicy.from_settings(self.settings.fetch))
        self.scheduler = self._build_scheduler(job_table(self.settings, now), now)
        # digests missed while the service was down are made soon after start (the digest stage decides)
        self.scheduler.add_job(self.run_recorded, DateTrigger(now + CATCH_UP_AFTER), id="alerts.digest:catch-up",
                               args=("alerts.digest", run_digest), misfire_grace_time=3600)
        self.scheduler.start()
        logger.info("service started: %d jobs on %s", len(self.scheduler.get_jobs()),
                    redact_database_url(self.settings.database.url), extra={"pid": os.getpid(), "lock": self.lock.where})

    def _refusal(self) -> str:
        database = redact_database_url(self.settings.database.url)
        with self.sessions() as session:
            holder = get_latest_service_run(session)
        who = (f"pid {holder.pid} on {holder.hostname} since {holder.started_at:%Y-%m-%d %H:%M:%S} UTC"
               if holder is not None and holder.stopped_at is None else "another process")
        return (f"another yuqing run is using {database} ({who}); stop it first or use another database "
                f"(lock: {self.lock.where})")

    def _build_scheduler(self, specs: list[JobSpec], now: datetime) -> BackgroundScheduler:
        # "default" is the one thread that writes the database; "dispatch" only marks sources due
        executors = {"default": ThreadPoolExecutor(1), "dispatch": ThreadPoolExecutor(1)}
        scheduler = BackgroundScheduler(executors=executors, timezone="UTC",
                                        job_defaults={"coalesce": True, "max_instances": 1})
        scheduler.add_listener(self.skipped.count, EVENT_JOB_MAX_INSTANCES)
        logging.getLogger(SCHEDULER_LOGGER).addFilter(DROP_SKIPPED_WARNINGS)
        for spec in specs:
            grace = int(spec.grace.total_seconds())
            if spec.source is not None:
                scheduler.add_job(self.due.add, spec.trigger, id=spec.id, name=spec.id, args=(spec.source,),
                                  misfire_grace_time=grace, executor="dispatch")
            elif spec.run is None:  # collector.collect: the batch of due sources
                scheduler.add_job(self._collect_due, spec.trigger, id=spec.id, name=spec.id, misfire_grace_time=grace)
            else:
                scheduler.add_job(self.run_recorded, spec.trigger, id=spec.id, name=spec.id, args=(spec.id, spec.run),
                                  misfire_grace_time=grace)
        scheduler.add_job(self._heartbeat, "interval", seconds=int(HEARTBEAT.total_seconds()), id="service.heartbeat",
                          misfire_grace_time=int(HEARTBEAT.total_seconds()))
        return scheduler

    def _collect_due(self) -> None:
        """Poll the sources that are due, a batch at a time (recorded only when there was work)."""
        names = self.due.take(BATCH)
        if names and not self.stopping.is_set():
            self.run_recorded(BATCH_JOB, self._collect_batch, names=names)

    def _collect_batch(self, settings: Settings, sessions: sessionmaker[Session], *, now: datetime,
                       names: list[str]) -> str:
        waiting = backing_off(settings, sessions, names, now)
        for name, why in waiting.items():
            self._record_source(name, now, ok=True, summary=why, error=None)
        chosen = [n for n in names if n not in waiting]
        done: list[str] = []

        def on_result(result: Any) -> None:
            failed = result.outcome == "error"
            self._record_source(result.name, now, ok=not failed, summary=str(result), error=result.error)
            done.append(result.name)
            if self.stopping.is_set():
                raise _Stopping  # the current source is stored; the rest are polled at the next start

        try:
            report = collect_sources(settings, sessions, now=now, names=chosen, on_result=on_result,
                                     fetch_loop=self.fetch_loop) if chosen else None
        except _Stopping:
            return f"stopped after {len(done)} of {len(chosen)} sources"
        if report is not None and report.items_new:
            self._wake_pipeline()
        backoff = f"; {len(waiting)} backing off" if waiting else ""
        return f"{report}{backoff}" if report is not None else backoff.lstrip("; ")

    def _wake_pipeline(self) -> None:
        """Run the next pass as soon as the writer thread is free (WAKE_GAP after the last woken one).

        The pass runs in the same one-thread executor after this batch, so it sees the batch's posts;
        its interval restarts from then."""
        scheduler, now = self.scheduler, utcnow()
        if scheduler is None or self.stopping.is_set():
            return
        job = scheduler.get_job(PIPELINE_JOB)
        if job is None or job.next_run_time is None:
            return
        wanted = max(now, self._last_wake + WAKE_GAP)
        if wanted < job.next_run_time:
            self._last_wake = wanted
            job.modify(next_run_time=wanted)

    def _record_source(self, name: str, started: datetime, *, ok: bool, summary: str | None,
                       error: str | None) -> None:
        with transaction(self.sessions) as session:
            run_id = record_job_start(session, f"collector.collect:{name}", started)
            record_job_finish(session, run_id, now=utcnow(), ok=ok, summary=summary, error=error)
        logger.debug("polled: %s", summary or error, extra={"job": f"collector.collect:{name}", "source": name})

    def run_recorded(self, job_id: str, run: JobFunction, **kwargs: Any) -> None:
        """Run one job and record it in `job_runs`; a job that fails is recorded and the service goes on."""
        if self.stopping.is_set():
            return  # queued before the stop: it will run at the next start
        started, clock = utcnow(), time.monotonic()
        with transaction(self.sessions) as session:
            run_id = record_job_start(session, job_id, started)
        source = job_id.split(":", 1)[1] if ":" in job_id else None
        ok, summary, error = True, "", None
        try:
            summary = str(run(self.settings, self.sessions, now=started, **kwargs))
        except Exception as exc:  # the scheduler's per-job loop: record it where `yuqing status` shows it
            ok, error = False, str(exc) if isinstance(exc, YuqingError) else f"{type(exc).__name__}: {exc}"
            logger.warning("job failed: %s", error, exc_info=not isinstance(exc, YuqingError),
                           extra={"job": job_id, "source": source})
        elapsed = int((time.monotonic() - clock) * 1000)
        with transaction(self.sessions) as session:
            record_job_finish(session, run_id, now=utcnow(), ok=ok, summary=summary or None, error=error)
            if self.run_id is not None:
                record_heartbeat(session, self.run_id, utcnow(), self.skipped.counts())
        if ok:
            logger.info("job finished: %s", summary, extra={"job": job_id, "source": source, "duration_ms": elapsed})

    def _heartbeat(self) -> None:
        if self.stopping.is_set() or self.run_id is None:
            return
        if not self.lock.verify():
            logger.error("lost the database lock (%s); stopping so that no second service runs", self.lock.where)
            self.request_stop("lost the database lock", exit_code=1)
            return
        with transaction(self.sessions) as session:
            record_heartbeat(session, self.run_id, utcnow(), self.skipped.counts())

    def request_stop(self, reason: str, exit_code: int = 0) -> None:
        """Ask the service to stop after the current job."""
        if not self.stopping.is_set():
            self.stop_reason, self.exit_code = reason, exit_code
            self.stopping.set()

    def wait(self) -> int:
        """Block until a stop is requested, then stop cleanly; return the exit code."""
        while not self.stopping.wait(1.0):
            pass
        return self.stop()

    def stop(self) -> int:
        """Finish the current job, flush the outbox, record the stop, release the lock."""
        self.stopping.set()
        began = time.monotonic()
        logger.info("stopping (%s): finishing the current job", self.stop_reason)
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        if self.fetch_loop is not None:
            self.fetch_loop.close()  # after the last batch: cancels what a stopped batch left in flight
        try:
            logger.info("final delivery: %s", deliver_outbox(self.settings, self.sessions, now=utcnow()))
        except Exception as exc:  # the outbox keeps what was not sent; the next start sends it
            logger.warning("final delivery failed: %s: %s", type(exc).__name__, exc,
                           exc_info=not isinstance(exc, YuqingError))
        if self.run_id is not None:
            with transaction(self.sessions) as session:
                record_heartbeat(session, self.run_id, utcnow(), self.skipped.counts())
                record_service_stop(session, self.run_id, now=utcnow(), reason=self.stop_reason)
        self.lock.release()
        logger.info("service stopped in %.1fs", time.monotonic() - began, extra={"exit_code": self.exit_code})
        return self.exit_code


def install_signal_handlers(service: Service) -> None:
    """SIGTERM and SIGINT stop the service after the current job; a second one stops it at once."""

    def handle(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if service.stopping.is_set():
            logger.warning("second %s: exiting now; unfinished work is redone at the next start", name)
            os._exit(1)
        service.request_stop(f"received {name}")

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)

