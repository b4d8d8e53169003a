"""One `yuqing run` per database: a file lock beside a SQLite file, an advisory lock on PostgreSQL.

Two schedulers on one database would run every job twice (docs/field-notes.md); the lock is held
for the life of the service and released by the operating system or server if it dies. The holder
says who it is (pid, host, when it took the lock) beside the lock — a `.holder` file next to the
lock file, the lock connection's `application_name` on PostgreSQL — so `yuqing status` can tell
a process that has just taken the lock from the dead one whose life is still the latest on record.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger(__name__)

# Two int4 keys: a constant for yuqing, and the schema's hash so test schemas do not collide.
_ADVISORY_KEY = 0x79757169  # "yuqi"
_TRY = text("SELECT pg_try_advisory_lock(:key, hashtext(current_schema()))")
_UNLOCK = text("SELECT pg_advisory_unlock(:key, hashtext(current_schema()))")
_NAME = text("SELECT set_config('application_name', :name, false)")
_HOLDER = text(
    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :key "
    "AND l.objid = hashtext(current_schema())::oid AND l.objsubid = 2 AND l.database = "
    "(SELECT oid FROM pg_database WHERE datname = current_database())"
)
_PREFIXES = ("yuqing-run", "yuqing-clock")


@dataclass(frozen=True)
class Holder:
    """Who holds the lock: process id, host, and when it took the lock (to the second)."""

    pid: int
    hostname: str
    acquired_at: datetime
    role: str = "run"  # run: `yuqing run`; clock: the active `yuqing clock` of distributed mode

    def owns(self, pid: int, hostname: str, started_at: datetime) -> bool:
        """Whether a recorded service life (pid, host, start) is this holder's — not an older one's.

        The host may have been cut to fit PostgreSQL's 63 characters: a prefix matches."""
        return (pid == self.pid and hostname.startswith(self.hostname)
                and started_at >= self.acquired_at - timedelta(seconds=1))

    def encode(self) -> str:
        """`yuqing-run <pid> <epoch seconds> <host>` (`yuqing-clock …` for a clock), cut to PostgreSQL's
        63 characters."""
        return f"yuqing-{self.role} {self.pid} {int(self.acquired_at.timestamp())} {self.hostname}"[:63]


def parse_holder(text: str | None) -> Holder | None:
    """The holder written by `Holder.encode`, or None for anything else."""
    parts = (text or "").strip().split(" ", 3)
    if len(parts) != 4 or parts[0] not in _PREFIXES or not (parts[1].isdigit() and parts[2].isdigit()):
        return None
    return Holder(int(parts[1]), parts[3], datetime.fromtimestamp(int(parts[2]), UTC), parts[0].split("-", 1)[1])


def lock_path(engine: Engine) -> Path | None:
    """The lock file of a SQLite database (None for PostgreSQL or an in-memory database)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database + ".lock")


def holder_path(engine: Engine) -> Path | None:
    """The file where the holder of a SQLite database's lock says who it is."""
    path = lock_path(engine)
    return path.with_name(path.name + ".holder") if path else None


class ServiceLock:
    """The lock of one database; `acquire()` never waits."""

    def __init__(self, engine: Engine, role: str = "run") -> None:
        self.engine = engine
        self.role = role
        self._file: FileLock | None = None
        self._connection: Connection | None = None
        self.holder: Holder | None = None

    @property
    def where(self) -> str:
        """Where the lock lives, for messages."""
        path = lock_path(self.engine)
        return str(path) if path else "a PostgreSQL advisory lock"

    def acquire(self) -> bool:
        """Take the lock if nobody holds it; True if this process now holds it (and says so)."""
        holder = Holder(os.getpid(), socket.gethostname(), datetime.now(UTC).replace(microsecond=0), self.role)
        if self.engine.dialect.name == "postgresql":
            return self._acquire_advisory(holder)
        path = lock_path(self.engine)
        if path is None:
            return True
        lock = FileLock(str(path), timeout=0)
        try:
            lock.acquire()
        except Timeout:
            return False
        self._file, self.holder = lock, holder
        holder_file = holder_path(self.engine)
        if holder_file is not None:
            holder_file.write_text(holder.encode() + "\n", encoding="utf-8")
        return True

    def _acquire_advisory(self, holder: Holder) -> bool:
        connection = self.engine.connect()
        try:
            held = bool(connection.execute(_TRY, {"key": _ADVISORY_KEY}).scalar())
            if held:
                connection.execute(_NAME, {"name": holder.encode()})
            connection.commit()  # the lock is session-level; no transaction stays open for months
        except BaseException:  # the database went away in between: end the session, and any lock in it
            connection.invalidate()
            connection.close()
            raise
        if not held:
            connection.close()
            return False
        self._connection, self.holder = connection, holder
        return True

    def verify(self) -> bool:
        """Whether the lock is still ours (the PostgreSQL connection that holds it is alive)."""
        if self._connection is None:
            return self._file is not None or lock_path(self.engine) is None
        try:
            self._connection.execute(text("SELECT 1"))
            self._connection.commit()
        except Exception as exc:  # any driver error means the session, and with it the lock, is gone
            logger.warning("lock check failed: %s: %s", type(exc).__name__, exc, extra={"lock": self.where})
            return False
        return True

    def release(self) -> None:
        """Give the lock back (also done by the OS or the server when the process dies)."""
        if self._file is not None:
            holder_file = holder_path(self.engine)
            if holder_file is not None:
                holder_file.unlink(missing_ok=True)  # while still holding the lock: nobody else wrote it
            self._file.release()
            self._file = None
        if self._connection is not None:
            try:
                self._connection.execute(_UNLOCK, {"key": _ADVISORY_KEY})
                self._connection.commit()
            except SQLAlchemyError as exc:  # the session is gone (the database restarted), or unusable:
                logger.info("the lock's connection was already lost: %s", type(exc).__name__)
                self._connection.invalidate()  # end it for certain (not back to the pool), and the lock with it
            finally:
                self._connection.close()
                self._connection = None
        self.holder = None


def is_locked(engine: Engine) -> bool:
    """Whether some process holds the service lock of this database right now."""
    probe = ServiceLock(engine)
    if not probe.acquire():
        return True
    probe.release()
    return False


def lock_holder(engine: Engine) -> Holder | None:
    """Who the holder of this database's lock says it is; None when nobody says (or nobody holds it)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            return parse_holder(connection.execute(_HOLDER, {"key": _ADVISORY_KEY}).scalar())
    path = holder_path(engine)
    try:
        return parse_holder(path.read_text(encoding="utf-8")) if path else None
    except OSError:
        return None
