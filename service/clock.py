"""`yuqing clock`: distributed mode's only scheduler. It runs the embedded job table
(`service.scheduler.job_table`) on APScheduler, but where `yuqing run` does the work, the clock
sends tasks (`service.plan`) to the workers; and it sweeps up what dead workers left undone.

One clock is active at a time: it holds the service lock (`service.lock.ServiceLock`, a session
advisory lock on a connection of its own, the same lock `yuqing run` takes, so an embedded
service and a clock never schedule one database together). Standbys try again every
STANDBY_RETRY; when the active clock dies its connection closes, PostgreSQL frees the lock and a
standby takes over within that time. The job table is built from midnight UTC, so the slots (and
hence the task keys) of a standby are those of the clock it replaces.

When the database goes away (restarted, stopped for a while) the lock's connection dies with it:
the active clock notices at its next lock check (every HEARTBEAT ÷ 3), stops scheduling and
becomes a standby again, retrying until the database answers and the lock is free, and then
schedules again as a new life. It does not exit: no supervisor is needed to ride out an outage.
A broker that goes away needs nothing of the clock: sends fail, their rows stay unsent, and the
sweeper sends them once the broker answers again (Dramatiq's broker reconnects on the next send).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_MAX_INSTANCES
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from yuqing.alerts.store import list_unsent_alerts
from yuqing.config.database import session_factory, transaction, utcnow
from yuqing.config.settings import Settings
from yuqing.service import plan
from yuqing.service.lock import ServiceLock
from yuqing.service.migrate import check_schema
from yuqing.service.queue import Sender, make_broker, queue_depths, require_postgresql
from yuqing.service.runner import HEARTBEAT, yuqing_version
from yuqing.service.scheduler import BATCH_JOB, JobSpec, job_table
from yuqing.service.skipped import DROP_SKIPPED_WARNINGS, SCHEDULER_LOGGER, SkippedRuns
from yuqing.service.store import record_heartbeat, record_service_start, record_service_stop
from yuqing.service.sweeper import sweep
from yuqing.service.task_store import beat, record_node, record_node_stop

logger = logging.getLogger(__name__)
STANDBY_RETRY = timedelta(seconds=5)
SWEEP_EVERY = timedelta(seconds=10)
FLUSH_EVERY = timedelta(seconds=1)
DATABASE_AWAY = (OperationalError, InterfaceError)  # the server is down, restarting or unreachable


def grid_slot(trigger: Any, now: datetime) -> datetime:
    """The grid point of an interval trigger (its start plus whole intervals) that `now` falls in."""
    start, step = trigger.start_date.timestamp(), trigger.interval_length
    return plan.at(int(start + ((now.timestamp() - start) // step) * step))


class Clock:
    """One `yuqing clock` process: standby until it holds the lock, then the active scheduler."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        require_postgresql(engine)
        self.settings, self.engine = settings, engine
        self.sessions: sessionmaker[Session] = session_factory(engine)
        self.lock = ServiceLock(engine, role="clock")
        self.stopping = threading.Event()
        self.active = threading.Event()
        self.lost = threading.Event()  # the lock is gone (its connection died): back to standby
        self.database_down = False  # said once per outage while a standby cannot reach the database
        self.name = f"clock {socket.gethostname()}:{os.getpid()}"
        self.run_id: int | None = None
        self.scheduler: BackgroundScheduler | None = None
        self.sender: Sender | None = None
        self._due: dict[str, tuple[datetime, timedelta]] = {}  # source → (slot, interval), sent each second
        self._due_lock = threading.Lock()
        self._check_lock_lock = threading.Lock()
        self.skipped = SkippedRuns()  # runs merged into the one still running, counted per life (`_activate`)

    def run(self) -> int:
        """Wait as a standby, be the active clock, stop on request; return the exit code."""
        check_schema(self.engine)
        with transaction(self.sessions) as session:
            record_node(session, name=self.name, role="clock", hostname=socket.gethostname(), pid=os.getpid(),
                        queues=None, now=utcnow())
        code = 0
        while not self.stopping.is_set():
            if not self._try_lock():
                self.stopping.wait(STANDBY_RETRY.total_seconds())
                continue
            if not self._activate():
                self.stopping.wait(STANDBY_RETRY.total_seconds())
                continue
            while not self.stopping.wait(1.0) and not self.lost.is_set():
                pass
            code = self._deactivate()
            if self.lost.is_set() and not self.stopping.is_set():
                logger.warning("the database lock is gone (the database restarted or is unreachable): "
                               "this clock is a standby again, retrying every %d s", STANDBY_RETRY.total_seconds())
            self.lost.clear()
        try:
            with transaction(self.sessions) as session:
                record_node_stop(session, self.name, utcnow())
        except DATABASE_AWAY as exc:  # stopped while the database is away: the heartbeat's age says it
            logger.warning("could not record the clock's stop: %s", type(exc).__name__)
        return code

    def _try_lock(self) -> bool:
        """One standby round: take the lock if free, else record a heartbeat; False while the
        database does not answer (said once per outage)."""
        try:
            if self.lock.acquire():
                self.database_down = False
                return True
            with transaction(self.sessions) as session:
                beat(session, self.name, utcnow())
        except DATABASE_AWAY as exc:
            if not self.database_down:
                logger.warning("the database does not answer (%s); the clock waits as a standby and tries again "
                               "every %d s", type(exc).__name__, STANDBY_RETRY.total_seconds())
            self.database_down = True
            return False
        if self.database_down:
            logger.info("the database answers again; another clock holds the lock, this one stays a standby")
        self.database_down = False
        return False

    def request_stop(self) -> None:
        """Stop (after the current job) from a signal handler or another thread."""
        self.stopping.set()

    def _activate(self) -> bool:
        """Record a new life and start scheduling; False (the lock given back) when the database
        went away in between."""
        now = utcnow()
        try:
            with transaction(self.sessions) as session:
                self.run_id = record_service_start(session, pid=os.getpid(), hostname=socket.gethostname(),
                                                   version=yuqing_version(), now=now)
        except DATABASE_AWAY as exc:
            logger.warning("took the lock but could not record the clock's life (%s); standby again",
                           type(exc).__name__)
            self.lock.release()
            return False
        with self._due_lock:
            self._due = {}  # marks of an earlier life: their slots are gone
        self.sender = Sender(self.settings, self.sessions, make_broker(self.settings))
        scheduler = BackgroundScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
        self.skipped = SkippedRuns()  # counted per life, as the embedded service does
        scheduler.add_listener(self.skipped.count, EVENT_JOB_MAX_INSTANCES)
        logging.getLogger(SCHEDULER_LOGGER).addFilter(DROP_SKIPPED_WARNINGS)
        for spec in job_table(self.settings, plan.day_start(now)):
            self._add(scheduler, spec)
        scheduler.add_job(self._guarded(self._send), DateTrigger(now + timedelta(seconds=2)), id="alerts.digest:catch-up",
                          args=(plan.digest_task(now, catch_up=True),), misfire_grace_time=3600)
        scheduler.add_job(self._guarded(self._heartbeat), "interval", seconds=int(HEARTBEAT.total_seconds()) // 3,
                          id="clock.heartbeat")
        scheduler.add_job(self._guarded(self._sweep), "interval", seconds=int(SWEEP_EVERY.total_seconds()), id="clock.sweep")
        self.scheduler = scheduler
        scheduler.start()
        self.active.set()
        logger.info("clock active: %d jobs", len(scheduler.get_jobs()), extra={"pid": os.getpid()})
        return True

    def _add(self, scheduler: BackgroundScheduler, spec: JobSpec) -> None:
        grace = int(spec.grace.total_seconds())
        if spec.source is not None:
            every = self.settings.source(spec.source).interval
            scheduler.add_job(self._mark_due, spec.trigger, id=spec.id, args=(spec.source, spec.trigger, every),
                              misfire_grace_time=grace)
        elif spec.id == BATCH_JOB:
            scheduler.add_job(self._guarded(self._send_due), spec.trigger, id=spec.id, misfire_grace_time=grace)
        elif spec.id == "pipeline.process":
            scheduler.add_job(self._guarded(self._send_pass), spec.trigger, id=spec.id, args=(spec.trigger,), misfire_grace_time=grace)
        elif spec.id == "alerts.digest":
            scheduler.add_job(self._guarded(lambda: self._send(plan.digest_task(utcnow()))), spec.trigger, id=spec.id,
                              misfire_grace_time=grace)
        elif spec.id == "service.retention":
            scheduler.add_job(self._guarded(lambda: self._send(plan.retention_task(utcnow()))), spec.trigger, id=spec.id,
                              misfire_grace_time=grace)
        else:
            raise ValueError(f"the clock does not know the job {spec.id!r}; teach service/clock.py its task")

    def _guarded(self, job: Callable[..., None]) -> Callable[..., None]:
        """`job`, for the scheduler: a database that went away is said once per outage (not a
        traceback a second) and makes the clock check its lock at once, not at the next heartbeat."""

        def run(*args: Any) -> None:
            try:
                job(*args)
            except DATABASE_AWAY as exc:
                if not self.database_down:
                    logger.warning("the database does not answer (%s); checking the clock's lock", type(exc).__name__)
                self.database_down = True
                self._check_lock()

        return run

    def _check_lock(self) -> bool:
        """Whether the lock is still ours; if not, say so and have `run` stop scheduling (one
        check at a time: the lock's connection is not shared between threads)."""
        with self._check_lock_lock:
            if self.lost.is_set():
                return False
            if self.lock.verify():
                return True
            logger.error("lost the database lock; no longer scheduling, so that no second clock runs")
            self.lost.set()
            return False

    def _mark_due(self, source: str, trigger: Any, every: timedelta) -> None:
        with self._due_lock:
            self._due[source] = (grid_slot(trigger, utcnow()), every)

    def _send_due(self) -> None:
        with self._due_lock:
            due, self._due = self._due, {}
        if due and self.sender is not None:
            self.sender.submit([plan.poll_task(source, slot, every) for source, (slot, every) in due.items()])

    def _send_pass(self, trigger: Any) -> None:
        """A pipeline pass (its first step), and a delivery round on every channel with unsent alerts."""
        slot, every = grid_slot(trigger, utcnow()), self.settings.service.pipeline_interval
        with self.sessions() as session:
            channels = sorted({item.channel for item in list_unsent_alerts(session)})
        self._send(plan.step_task(slot, 0, every),
                   *[plan.deliver_task(slot, channel, "tick", every) for channel in channels])

    def _send(self, *specs: Any) -> None:
        if self.sender is not None:
            self.sender.submit(list(specs))

    def _heartbeat(self) -> None:
        if not self._check_lock():
            return
        with transaction(self.sessions) as session:
            beat(session, self.name, utcnow())
            if self.run_id is not None:
                record_heartbeat(session, self.run_id, utcnow(), self.skipped.counts())
        self.database_down = False

    def _sweep(self) -> None:
        if self.sender is not None:
            found = sweep(self.settings, self.sessions, self.sender, utcnow(), queue_depths(self.settings))
            if found.resent or found.expired:
                logger.info("sweeper: %s", found)

    def _deactivate(self) -> int:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self.scheduler = None
        if self.run_id is not None:
            try:
                with transaction(self.sessions) as session:
                    record_heartbeat(session, self.run_id, utcnow(), self.skipped.counts())
                    record_service_stop(session, self.run_id, now=utcnow(),
                                        reason="clock lost its lock" if self.lost.is_set() else "clock stopped")
            except DATABASE_AWAY as exc:  # the database is away: the next life closes this one as unclean
                logger.warning("could not record the end of the clock's life: %s", type(exc).__name__)
        self.run_id = None
        if self.sender is not None:
            self.sender.broker.close()
            self.sender = None
        self.lock.release()
        self.active.clear()
        logger.info("clock stopped" if not self.lost.is_set() else "clock no longer active")
        return 0
