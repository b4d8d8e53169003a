"""What `yuqing status` adds in distributed mode: the clocks, the workers seen (heartbeats in the
database), and per queue the messages ready on the broker, the tasks waiting and running in the
database and how long the oldest has waited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from yuqing.config.settings import Settings
from yuqing.service.queue import QUEUES, queue_depths
from yuqing.service.task_store import count_open, live_nodes, oldest_waiting


@dataclass
class NodeStatus:
    """One live process: `clock <host>:<pid>` or `worker <host>:<pid>`."""

    name: str
    role: str
    since: datetime
    heartbeat_age_seconds: float
    queues: list[str] = field(default_factory=list)
    tasks_done: int = 0


@dataclass
class QueueStatus:
    """One queue: messages ready on the broker (None: it did not answer), tasks waiting and running
    according to the database, the oldest waiting task's age."""

    name: str
    ready: int | None
    waiting: int
    running: int
    oldest_waiting_at: datetime | None = None
    oldest_waiting_age_seconds: float | None = None


@dataclass
class DistributedStatus:
    """Distributed mode's part of the status."""

    broker_answers: bool
    clocks: list[NodeStatus] = field(default_factory=list)
    workers: list[NodeStatus] = field(default_factory=list)
    queues: list[QueueStatus] = field(default_factory=list)


def get_distributed_status(settings: Settings, session: Session, now: datetime) -> DistributedStatus:
    """Gather the clocks, workers and queues at `now` (the broker is asked with a passive declare)."""
    depths = queue_depths(settings)
    found = DistributedStatus(broker_answers=depths is not None)
    for node in live_nodes(session, now):
        item = NodeStatus(node.name, node.role, node.started_at, (now - node.heartbeat_at).total_seconds(),
                          list(node.queues or []), node.tasks_done)
        (found.clocks if node.role == "clock" else found.workers).append(item)
    counts, oldest = count_open(session), oldest_waiting(session)
    for queue in QUEUES:
        waiting, running = counts.get(queue, (0, 0))
        at = oldest.get(queue)
        found.queues.append(QueueStatus(queue, depths.get(queue) if depths is not None else None, waiting, running,
                                        at, (now - at).total_seconds() if at else None))
    return found
