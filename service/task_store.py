"""Store of distributed mode: its task rows (`dist_tasks`, done once per key) and its processes
(`dist_nodes`, with heartbeats). PostgreSQL only; session (or connection) first, the caller commits.

What a worker does for every task (insert, claim, finish, the poll's checks) is one Core statement
each, on the table rather than the mapped class: no ORM unit of work, no row read back to be
changed (a worker process runs tens of tasks a second, and these were most of its CPU). The
statements run for every task are built once, with bound parameters: building one costs more
CPU than running it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from yuqing.collector.models import Source, SourcePoll
from yuqing.service.models import DistNode, DistTask

NODE_STALE_AFTER = timedelta(seconds=45)  # three missed heartbeats: the process is gone
FINISHED_KEPT = timedelta(hours=6)  # finished tasks kept this long (a slot's key must outlive its slot)
TASKS = DistTask.__table__
TaskMessage = tuple[int, str, str, str, dict[str, Any]]  # a task's message: (id, key, queue, actor, args)


@dataclass(frozen=True)
class TaskSpec:
    """One unit of work to enqueue: its key (done once), queue, actor, arguments and deadline."""

    key: str
    queue: str
    actor: str
    args: dict[str, Any]
    deadline_at: datetime


def insert_tasks(db: Session | Connection, specs: list[TaskSpec], now: datetime) -> list[TaskMessage]:
    """Add the tasks whose key is new; return the messages to send for them (a key already there
    is left alone and sends nothing)."""
    if not specs:
        return []
    rows = [{"key": s.key, "queue": s.queue, "actor": s.actor, "args": s.args, "deadline_at": s.deadline_at,
             "enqueued_at": now, "sends": 0, "attempts": 0} for s in specs]
    statement = (insert(TASKS).values(rows).on_conflict_do_nothing(index_elements=["key"])
                 .returning(TASKS.c.id, TASKS.c.key, TASKS.c.queue, TASKS.c.actor, TASKS.c.args))
    return [(id_, key, queue, actor, dict(args)) for id_, key, queue, actor, args in db.execute(statement)]


def mark_sent(session: Session, ids: list[int], now: datetime) -> None:
    """The messages of these tasks went to the broker at `now`."""
    if ids:
        session.execute(update(DistTask).where(DistTask.id.in_(ids))
                        .values(sent_at=now, sends=DistTask.sends + 1))


_OPEN_TASK = update(TASKS).where(TASKS.c.key == bindparam("task_key"), TASKS.c.finished_at.is_(None))
_CLAIM = (_OPEN_TASK.values(started_at=bindparam("now"), worker=bindparam("worker"), attempts=TASKS.c.attempts + 1)
          .returning(TASKS.c.id))
_FINISH = _OPEN_TASK.values(finished_at=bindparam("now"), ok=bindparam("ok"), summary=bindparam("summary"))


def claim(db: Session | Connection, key: str, worker: str, now: datetime) -> int | None:
    """Take the task of `key` for `worker` (started now, one attempt more) in one statement; its id,
    or None when it is finished, expired or unknown — the message is then acknowledged and nothing runs."""
    return db.execute(_CLAIM, {"task_key": key, "now": now, "worker": worker}).scalar()


def finish(db: Session | Connection, key: str, now: datetime, *, ok: bool, summary: str | None) -> None:
    """Record that the task of `key` is done (or failed for good), with what it did."""
    db.execute(_FINISH, {"task_key": key, "now": now, "ok": ok, "summary": (summary or "")[:2000] or None})


def list_open_tasks(session: Session, limit: int = 5_000) -> list[DistTask]:
    """Unfinished tasks, oldest first (what the sweeper looks at)."""
    return list(session.scalars(select(DistTask).where(DistTask.finished_at.is_(None))
                                .order_by(DistTask.enqueued_at).limit(limit)))


def expire(session: Session, ids: list[int], now: datetime, why: str) -> None:
    """Close tasks whose deadline passed undone: the next slot does their work."""
    if ids:
        session.execute(update(DistTask).where(DistTask.id.in_(ids), DistTask.finished_at.is_(None))
                        .values(finished_at=now, ok=False, summary=why))


def purge_finished(session: Session, now: datetime) -> int:
    """Delete finished tasks older than FINISHED_KEPT; return how many went."""
    doomed = select(DistTask.id).where(DistTask.finished_at < now - FINISHED_KEPT).limit(10_000)
    return session.execute(delete(DistTask).where(DistTask.id.in_(doomed))).rowcount or 0


def oldest_waiting(session: Session) -> dict[str, datetime]:
    """Per queue, when its oldest task not yet started was enqueued."""
    rows = session.execute(select(DistTask.queue, func.min(DistTask.enqueued_at))
                           .where(DistTask.finished_at.is_(None), DistTask.started_at.is_(None))
                           .group_by(DistTask.queue))
    return {queue: at for queue, at in rows}


def count_open(session: Session) -> dict[str, tuple[int, int]]:
    """Per queue: (tasks waiting, tasks running) according to the database."""
    started = DistTask.started_at.is_not(None)
    rows = session.execute(select(DistTask.queue, started, func.count()).where(DistTask.finished_at.is_(None))
                           .group_by(DistTask.queue, started))
    counts: dict[str, tuple[int, int]] = {}
    for queue, running, count in rows:
        waiting, busy = counts.get(queue, (0, 0))
        counts[queue] = (waiting, busy + count) if running else (waiting + count, busy)
    return counts


def record_node(session: Session, *, name: str, role: str, hostname: str, pid: int, queues: list[str] | None,
                now: datetime) -> None:
    """A process of distributed mode starts (or starts again under the same name)."""
    session.execute(insert(DistNode).values(name=name, role=role, hostname=hostname, pid=pid, queues=queues,
                                            started_at=now, heartbeat_at=now, tasks_done=0)
                    .on_conflict_do_update(index_elements=["name"],
                                           set_={"started_at": now, "heartbeat_at": now, "stopped_at": None,
                                                 "queues": queues, "tasks_done": 0}))


def beat(session: Session, name: str, now: datetime, tasks_done: int | None = None) -> None:
    """The process `name` is alive at `now` (and has done `tasks_done` tasks, when given)."""
    values: dict[str, Any] = {"heartbeat_at": now}
    if tasks_done is not None:
        values["tasks_done"] = tasks_done
    session.execute(update(DistNode).where(DistNode.name == name).values(**values))


def record_node_stop(session: Session, name: str, now: datetime) -> None:
    """The process `name` stopped cleanly."""
    session.execute(update(DistNode).where(DistNode.name == name).values(stopped_at=now, heartbeat_at=now))


def live_nodes(session: Session, now: datetime) -> list[DistNode]:
    """Processes not stopped whose heartbeat is recent, workers and clocks, by name."""
    return list(session.scalars(select(DistNode).where(DistNode.stopped_at.is_(None),
                                                       DistNode.heartbeat_at > now - NODE_STALE_AFTER)
                                .order_by(DistNode.role, DistNode.name)))


def forget_dead_nodes(session: Session, now: datetime, after: timedelta = timedelta(days=1)) -> int:
    """Drop processes silent for longer than `after` (worker pids are not reused as names for ever)."""
    return session.execute(delete(DistNode).where(DistNode.heartbeat_at < now - after)).rowcount or 0


@dataclass(frozen=True)
class PollStanding:
    """What a poll task checks before it fetches: is its slot's poll stored, is the source backing off."""

    polled: bool  # a poll started at or after the slot is stored
    consecutive_failures: int
    next_poll_at: datetime | None


_SOURCES, _POLLS = Source.__table__, SourcePoll.__table__
_STANDING = select(
    select(_POLLS.c.id).where(_POLLS.c.source_id == _SOURCES.c.id, _POLLS.c.started_at >= bindparam("since")).exists(),
    _SOURCES.c.consecutive_failures, _SOURCES.c.next_poll_at,
).where(_SOURCES.c.name == bindparam("source"))


def poll_standing(db: Session | Connection, source: str, since: datetime) -> PollStanding:
    """`source`'s standing for a poll of the slot that started at `since`, in one statement (a source
    without a row yet: never polled, not failing)."""
    row = db.execute(_STANDING, {"source": source, "since": since}).first()
    if row is None:
        return PollStanding(False, 0, None)
    return PollStanding(bool(row[0]), row[1] or 0, row[2])
