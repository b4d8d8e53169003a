"""The clock's sweeper: tasks left undone are sent again, or closed when their time is past.

RabbitMQ gives a killed worker's unacknowledged messages to another worker by itself; the
sweeper covers the rest, from the task rows (the database says what is done):

- a row whose message never reached the broker (the broker was down) is sent, once UNSENT_AFTER has
  passed since it was written (before that its sender is sending it: a sweep then sent it twice, and its
  `mark_sent` met the sender's on the same rows, in another order — deadlocks under the soak's load);
- a task started by a worker that is gone (no heartbeat, or stopped) and not finished is sent
  again (its message was acknowledged, or dead-lettered after Dramatiq's retries);
- a task not started long after it was sent, while its queue is empty, lost its message (a broker
  restart without persistence, say) and is sent again;
- a task past its deadline (a poll whose next slot came, a pass three intervals old) is closed as
  expired: the next slot does its work, and a late message for it finds it done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from yuqing.config.database import transaction
from yuqing.config.settings import Settings
from yuqing.service.queue import Sender
from yuqing.service.task_store import (
    expire,
    forget_dead_nodes,
    list_open_tasks,
    live_nodes,
    purge_finished,
)

LOST_AFTER = timedelta(seconds=60)  # sent, not started, its queue empty for this long: the message is lost
ORPHANED_AFTER = timedelta(seconds=5)  # started by a process that is gone, at least this long ago
UNSENT_AFTER = timedelta(seconds=10)  # written, never sent, this long ago: its sender failed to send it


@dataclass
class SweepReport:
    """What one sweep did."""

    resent: int = 0
    expired: int = 0
    purged: int = 0

    def __str__(self) -> str:
        return f"{self.resent} task(s) sent again, {self.expired} expired, {self.purged} old ones removed"


def sweep(settings: Settings, sessions: sessionmaker[Session], sender: Sender, now: datetime,
          depths: dict[str, int] | None) -> SweepReport:
    """One sweep at `now`; `depths`: messages ready per queue (None: the broker does not answer,
    and nothing is sent). Returns what was done."""
    report = SweepReport()
    with transaction(sessions) as session:
        alive = {node.name for node in live_nodes(session, now)}
        tasks = list_open_tasks(session)
        overdue = [t.id for t in tasks if t.deadline_at <= now]
        expire(session, overdue, now, "expired: not done by its deadline; the next slot does its work")
        report.expired = len(overdue)
        again = [(t.id, t.key, t.queue, t.actor, dict(t.args)) for t in tasks
                 if t.deadline_at > now
                 and _undone(t.enqueued_at, t.sent_at, t.started_at, t.worker, t.queue, now, alive, depths)]
        report.purged = purge_finished(session, now)
        forget_dead_nodes(session, now)
    if again and depths is not None:
        report.resent = len(sender.send(again))
    return report


def _undone(enqueued_at: datetime, sent_at: datetime | None, started_at: datetime | None, worker: str | None,
            queue: str, now: datetime, alive: set[str], depths: dict[str, int] | None) -> bool:
    """Whether a task's message must be sent (again): see the module's docstring."""
    if sent_at is None:
        return enqueued_at < now - UNSENT_AFTER
    if started_at is not None:
        return worker not in alive and started_at < now - ORPHANED_AFTER
    return depths is not None and depths.get(queue, 0) == 0 and sent_at < now - LOST_AFTER
