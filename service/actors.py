"""Distributed mode, the worker side: the Dramatiq actors, each calling the stage function the
embedded service runs, through the database.

`yuqing worker` starts Dramatiq's own worker processes with `yuqing.service.actors:setup` as the
broker: each process loads the configuration named by YUQING_CONFIG, builds the broker and
declares the actors. Every actor runs its task through `_run`:

1. the task's advisory lock (two deliveries of one message never run at once), then its row is
   claimed, committed at once — a task already finished or expired is acknowledged and nothing runs;
2. the work, under its stage's lock where it must not run beside itself (story assignment and
   tiering, one channel's delivery); a stage that another process runs right now is "merged"
   into that run, as the embedded scheduler coalesces a busy job;
3. the row finished, the follow-up tasks and the job's run recorded in the locks' own transaction,
   so they commit as the locks go; then the follow-ups' messages are sent.

A worker killed in step 2 leaves its message unacknowledged: RabbitMQ gives it to another worker,
which redoes the task. What a task wrote before the kill is kept by the stages' own unique keys.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from yuqing.alerts.jobs import deliver
from yuqing.alerts.store import list_unsent_alerts
from yuqing.analysis.scheme_store import with_console_schemes
from yuqing.collector.fetch_loop import FetchLoop
from yuqing.collector.fetcher import FetchPolicy
from yuqing.collector.jobs import collect
from yuqing.config.database import create_db_engine, session_factory, transaction, utcnow
from yuqing.config.errors import YuqingError
from yuqing.config.loading import load_settings
from yuqing.config.settings import Settings
from yuqing.service import plan
from yuqing.service.advisory import channel_lock, exclusive, stage_lock, task_lock
from yuqing.service.pipeline import STEPS
from yuqing.service.queue import QUEUES, Sender, broker_queue, make_broker, require_postgresql
from yuqing.service.retention import apply_retention
from yuqing.service.scheduler import backoff_wait, run_digest
from yuqing.service.store import record_job_run
from yuqing.service.task_store import (
    TaskSpec,
    beat,
    claim,
    finish,
    insert_tasks,
    poll_standing,
    record_node,
    record_node_stop,
)

logger = logging.getLogger(__name__)
HEARTBEAT = timedelta(seconds=15)
# (process, the connection holding the task's locks: reads go there) → (summary, follow-up tasks)
Work = Callable[["WorkerState", Connection], tuple[str, list[TaskSpec]]]


@dataclass
class WorkerState:
    """One worker process: its settings, database, sender, name and long-lived fetcher."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    sender: Sender
    name: str = field(default_factory=lambda: f"worker {socket.gethostname()}:{os.getpid()}")
    done: int = 0
    _fetch_loop: FetchLoop | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _alone: dict[str, Settings | None] = field(default_factory=dict)

    def source_alone(self, name: str) -> Settings | None:
        """The settings with source `name` as the only source (a poll reads its row alone), made once
        per process; None when it is not configured or is disabled."""
        if name not in self._alone:
            found = next((s for s in self.settings.sources if s.name == name and s.enabled), None)
            self._alone[name] = None if found is None else self.settings.model_copy(update={"sources": [found]})
        return self._alone[name]

    def fetch_loop(self) -> FetchLoop:
        """The process's one fetcher (connection pool, per-host spacing), made on first use."""
        with self._lock:
            if self._fetch_loop is None:
                self._fetch_loop = FetchLoop(FetchPolicy.from_settings(self.settings.fetch))
            return self._fetch_loop

    def close(self) -> None:
        """Close the fetcher and the database's connections."""
        if self._fetch_loop is not None:
            self._fetch_loop.close()
        self.engine.dispose()


_state: WorkerState | None = None


def state() -> WorkerState:
    """This process's state (set up by `setup`)."""
    if _state is None:
        raise RuntimeError("yuqing.service.actors.setup() has not run in this process")
    return _state


def _run(key: str, work: Work, locks: tuple[str, ...] = (), job_id: str | None = None) -> None:
    """Run one task at most once at a time, and once to completion (module docstring)."""
    me = state()
    with exclusive(me.engine) as held:
        if not held(task_lock(key)):
            return  # the same task runs in another process right now
        started = utcnow()
        with me.engine.connect() as connection:  # committed at once: status and the sweeper see it started
            if claim(connection.execution_options(isolation_level="AUTOCOMMIT"), key, me.name, started) is None:
                return  # done already, or expired: nothing to do
        if not all(held(lock) for lock in locks):
            summary, follow = f"merged into the run in progress elsewhere ({', '.join(locks)})", []
        else:
            summary, follow = work(me, held.connection)
        finish(held.connection, key, utcnow(), ok=True, summary=summary)  # done, and what follows, together
        fresh = insert_tasks(held.connection, follow, utcnow())
        if job_id is not None:
            record_job_run(held.connection, job_id, started, now=utcnow(), ok=True, summary=summary, error=None)
    me.done += 1
    if fresh:
        me.sender.send(fresh)  # a kill before this leaves the rows unsent: the sweeper sends them


def _failed(key: str, job_id: str | None, exc: Exception) -> None:
    """Record a task's error on its job (the task stays open: Dramatiq retries, the sweeper expires)."""
    error = str(exc) if isinstance(exc, YuqingError) else f"{type(exc).__name__}: {exc}"
    logger.warning("task %s failed: %s", key, error, exc_info=not isinstance(exc, YuqingError))
    if job_id is None:
        return
    try:
        with transaction(state().sessions) as session:
            record_job_run(session, job_id, utcnow(), now=utcnow(), ok=False, summary=None, error=error)
    except Exception as again:  # the database itself is what fails: the log line above says it
        logger.warning("could not record the failure of %s: %s", key, type(again).__name__)


def _recorded(key: str, work: Work, locks: tuple[str, ...] = (), job_id: str | None = None) -> None:
    """`_run`, with a failure recorded on its job and raised again for Dramatiq."""
    try:
        _run(key, work, locks, job_id)
    except Exception as exc:
        _failed(key, job_id, exc)
        raise  # Dramatiq's retries, then the dead-letter queue; the task row says it is not done


def poll(key: str, source: str, slot: int) -> None:
    """Poll one source for its slot (`collector.jobs.collect`), unless a poll of this slot is stored."""

    def work(me: WorkerState, db: Connection) -> tuple[str, list[TaskSpec]]:
        now, one = utcnow(), me.source_alone(source)
        if one is None:
            return "not polled: no longer configured, or disabled", []
        standing = poll_standing(db, source, plan.at(slot))
        if standing.polled:
            return "polled already in this slot", []
        waiting = backoff_wait(me.settings, standing.consecutive_failures, standing.next_poll_at, now)
        if waiting:
            return waiting, []
        with Session(bind=db) as reader:  # its row is read on the task's connection
            report = collect(one, me.sessions, names=[source], now=now, fetch_loop=me.fetch_loop(), reader=reader)
        summary = "; ".join(str(result) for result in report.results)
        return (f"{summary}; {wake_pass(me)}" if report.items_new else summary), []

    _recorded(key, work, job_id=f"collector.collect:{source}")


def wake_pass(me: WorkerState) -> str:
    """After a poll stored new posts: a pipeline pass that begins after them, at once or at the next
    WAKE_GAP slot (`plan.wake_slots`); the clock's passes every `pipeline_interval` go on beside.
    Returns what was sent, for the poll's summary."""
    every, now = me.settings.service.pipeline_interval, utcnow()
    current, following = plan.wake_slots(now)
    if me.sender.submit([plan.step_task(current, 0, every)], now):
        return f"pass {plan.epoch(current)} woken"
    # the pass of this slot was sent before these posts were stored and may have read without them
    sent = me.sender.submit([plan.step_task(following, 0, every)], now, not_before=following)
    return f"pass {plan.epoch(following)} {'woken' if sent else 'due'} at {following:%H:%M:%S}"


def step(key: str, slot: int, step: int) -> None:
    """Run one step of the pipeline pass of `slot` under its stage's lock, then send what follows."""
    name, function = STEPS[step]
    moment, every = plan.at(slot), state().settings.service.pipeline_interval

    def work(me: WorkerState, _: Connection) -> tuple[str, list[TaskSpec]]:
        if name == plan.DELIVER_STEP:
            with me.sessions() as session:
                channels = sorted({item.channel for item in list_unsent_alerts(session)})
            return f"a delivery round on {len(channels)} channel(s)", plan.after_step(moment, step, every, channels)
        with me.sessions() as session:
            settings = with_console_schemes(session, me.settings)
        summary = str(function(settings, me.sessions, now=utcnow()))
        return summary, plan.after_step(moment, step, every, [])

    last = step + 1 == len(STEPS)
    _recorded(key, work, (stage_lock(plan.STEP_QUEUES[name]),), job_id="pipeline.process" if last else None)


def deliver_channel(key: str, channel: str, slot: int) -> None:
    """One delivery round on one channel (`alerts.jobs.deliver`), by one process at a time."""

    def work(me: WorkerState, _: Connection) -> tuple[str, list[TaskSpec]]:
        return str(deliver(me.settings, me.sessions, now=utcnow(), only={channel})), []

    _recorded(key, work, (channel_lock(channel),))


def digest(key: str) -> None:
    """Make every digest that is due and missing, and send the latest (`alerts.digest.jobs.run_digest`)."""
    _recorded(key, lambda me, _: (str(run_digest(me.settings, me.sessions, now=utcnow())), []),
              (stage_lock("digest"),), job_id="alerts.digest")


def retention(key: str) -> None:
    """Apply `[retention]` (`service.retention.apply_retention`)."""
    _recorded(key, lambda me, _: (str(apply_retention(me.settings, me.sessions, now=utcnow())), []),
              (stage_lock("retention"),), job_id="service.retention")


def noop(key: str) -> None:
    """Claim and finish a task that does nothing (the machinery's cost per task, bench/distributed.py)."""
    _recorded(key, lambda me, _: ("nothing", []))


ACTORS: dict[str, tuple[Callable[..., None], str]] = {
    "poll": (poll, "fetch"), "step": (step, "analysis"), "deliver": (deliver_channel, "delivery"),
    "digest": (digest, "digest"), "retention": (retention, "digest"), "noop": (noop, "digest"),
}


class Heartbeat:
    """Dramatiq middleware (duck-typed, so this module imports no Dramatiq at import time): the
    worker process records itself in `dist_nodes` when it boots, beats every HEARTBEAT, and records
    a clean stop."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def after_worker_boot(self, broker: Any, worker: Any) -> None:
        me = state()
        chosen = getattr(worker, "consumer_whitelist", None)  # Dramatiq's name for the --queues asked for
        queues = sorted(chosen) if chosen else sorted(broker_queue(me.settings, q) for q in QUEUES)
        with transaction(me.sessions) as session:
            record_node(session, name=me.name, role="worker", hostname=socket.gethostname(), pid=os.getpid(),
                        queues=queues, now=utcnow())
        self._thread = threading.Thread(target=self._beat, name="yuqing-heartbeat", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT.total_seconds()):
            try:
                with transaction(state().sessions) as session:
                    beat(session, state().name, utcnow(), state().done)
            except Exception as exc:  # the database is away for a moment: the next beat tries again
                logger.warning("heartbeat failed: %s", type(exc).__name__)

    def before_worker_shutdown(self, broker: Any, worker: Any) -> None:
        self._stop.set()

    def after_worker_shutdown(self, broker: Any, worker: Any) -> None:
        try:  # after the tasks in hand finished: they still needed the fetcher and the database
            with transaction(state().sessions) as session:
                record_node_stop(session, state().name, utcnow())
        finally:
            state().close()


def setup(settings: Settings | None = None) -> Any:
    """Build this process's broker and actors (Dramatiq's CLI calls it as `yuqing.service.actors:setup`);
    `settings`: given in tests, else loaded from YUQING_CONFIG. Returns the broker."""
    import dramatiq
    from dramatiq.middleware import Middleware

    global _state
    if settings is None:
        settings, _ = load_settings(os.environ.get("YUQING_CONFIG") or None)
    engine = create_db_engine(settings.database.url)
    require_postgresql(engine)
    heartbeat = type("YuqingHeartbeat", (Heartbeat, Middleware), {})()
    broker = make_broker(settings, [heartbeat])
    sessions = session_factory(engine)
    _state = WorkerState(settings, engine, sessions, Sender(settings, sessions, broker))
    for actor_name, (function, queue) in ACTORS.items():
        # the queue here is only the default: every message names its queue (`plan`), and a step's
        # message goes to its stage's queue; Dramatiq finds the actor by name whatever the queue
        dramatiq.actor(function, actor_name=actor_name, queue_name=broker_queue(settings, queue), broker=broker)
    for queue in QUEUES:
        broker.declare_queue(broker_queue(settings, queue))
    return broker
