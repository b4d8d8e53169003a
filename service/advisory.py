"""Work that must not run twice at once, across every worker process and machine: PostgreSQL
transaction-level advisory locks, taken on a connection of their own for the length of the work.

The lock goes with the transaction: at the end of the block, or when the worker dies and its
connection with it — a killed worker never leaves a lock behind. Names are hashed by PostgreSQL
(`hashtext`) with a constant for yuqing's work and the schema, so test schemas do not collide.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

_WORK_KEY = 0x7975716B  # "yuqk"; the service lock (service/lock.py) uses "yuqi"
_TRY = text("SELECT pg_try_advisory_xact_lock(:key, hashtext(current_schema() || ':' || :name))")


class Held:
    """The connection that holds a task's locks, in its transaction until the block ends. Call it
    with a lock's name to try that lock (True: this process holds it now; False: another process
    does the work). The task may read on `connection`, and write what must commit exactly when the
    locks go (its end: finished, follow-ups, job record)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def __call__(self, name: str) -> bool:
        return bool(self.connection.execute(_TRY, {"key": _WORK_KEY, "name": name}).scalar())


@contextmanager
def exclusive(engine: Engine) -> Iterator[Held]:
    """A connection in a transaction for the block; yields its `Held`, which tries locks by name.
    The transaction commits when the block ends normally and rolls back otherwise; both free the locks."""
    with engine.connect() as connection, connection.begin():
        yield Held(connection)


def task_lock(key: str) -> str:
    """The lock name of one task: two deliveries of its message never run it at once."""
    return f"task:{key}"


def channel_lock(channel: str) -> str:
    """The lock name of delivery on one channel: its alerts go out in order, by one process."""
    return f"deliver:{channel}"


def stage_lock(group: str) -> str:
    """The lock name of a stage's steps ("analysis", "stories", "alerts", "evidence", "digest")."""
    return f"stage:{group}"
