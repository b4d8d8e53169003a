"""One `yuqing run` per database: a file lock beside a SQLite file, an advisory lock on PostgreSQL.

Two schedulers on one database would run every job twice (docs/field-notes.md); the lock is held
for the life of the service and released by the operating system or server if it dies.
"""

from __future__ import annotations

import logging
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import Connection, Engine, text

logger = logging.getLogger(__name__)

# Two int4 keys: a constant for yuqing, and the schema's hash so test schemas do not collide.
_ADVISORY_KEY = 0x79757169  # "yuqi"
_TRY = text("SELECT pg_try_advisory_lock(:key, hashtext(current_schema()))")
_UNLOCK = text("SELECT pg_advisory_unlock(:key, hashtext(current_schema()))")


def lock_path(engine: Engine) -> Path | None:
    """The lock file of a SQLite database (None for PostgreSQL or an in-memory database)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database + ".lock")


class ServiceLock:
    """The lock of one database; `acquire()` never waits."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._file: FileLock | None = None
        self._connection: Connection | None = None

    @property
    def where(self) -> str:
        """Where the lock lives, for messages."""
        path = lock_path(self.engine)
        return str(path) if path else "a PostgreSQL advisory lock"

    def acquire(self) -> bool:
        """Take the lock if nobody holds it; True if this process now holds it."""
        if self.engine.dialect.name == "postgresql":
            return self._acquire_advisory()
        path = lock_path(self.engine)
        if path is None:
            return True
        lock = FileLock(str(path), timeout=0)
        try:
            lock.acquire()
        except Timeout:
            return False
        self._file = lock
        return True

    def _acquire_advisory(self) -> bool:
        connection = self.engine.connect()
        held = bool(connection.execute(_TRY, {"key": _ADVISORY_KEY}).scalar())
        connection.commit()  # the lock is session-level; no transaction stays open for months
        if not held:
            connection.close()
            return False
        self._connection = connection
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
            self._file.release()
            self._file = None
        if self._connection is not None:
            try:
                self._connection.execute(_UNLOCK, {"key": _ADVISORY_KEY})
                self._connection.commit()
            finally:
                self._connection.close()
                self._connection = None


def is_locked(engine: Engine) -> bool:
    """Whether some process holds the service lock of this database right now."""
    probe = ServiceLock(engine)
    if not probe.acquire():
        return True
    probe.release()
    return False
