"""One service per database: the lock refuses a second holder and frees itself on release."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from tests.conftest import postgres_url_or_skip
from tests.service.private_servers import private_postgres_or_skip
from yuqing.config.database import create_db_engine, utcnow
from yuqing.service.lock import Holder, ServiceLock, is_locked, lock_holder, lock_path, parse_holder


def test_a_second_lock_on_the_same_database_is_refused(migrated_engine: Engine, db_url: str) -> None:
    first, second = ServiceLock(migrated_engine), ServiceLock(create_db_engine(db_url))
    assert first.acquire()
    try:
        assert not second.acquire()
        assert is_locked(migrated_engine)
        assert first.verify()
    finally:
        first.release()
    assert not is_locked(migrated_engine)
    assert second.acquire()
    second.release()
    second.engine.dispose()


def test_sqlite_lock_lives_beside_the_database_file(tmp_path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'y.db'}")
    assert lock_path(engine) == tmp_path / "y.db.lock"
    assert ServiceLock(engine).where == str(tmp_path / "y.db.lock")
    memory = create_db_engine("sqlite://")
    assert lock_path(memory) is None and ServiceLock(memory).acquire()


def test_the_holder_says_who_it_is_until_it_lets_go(migrated_engine: Engine) -> None:
    lock = ServiceLock(migrated_engine)
    assert lock_holder(migrated_engine) is None
    assert lock.acquire()
    try:
        holder = lock_holder(migrated_engine)
        assert holder == lock.holder and holder is not None
        assert (holder.pid, holder.hostname) == (os.getpid(), socket.gethostname())
        assert holder.owns(os.getpid(), socket.gethostname(), utcnow())
        assert not holder.owns(os.getpid(), socket.gethostname(), holder.acquired_at - timedelta(minutes=1))
        assert not holder.owns(os.getpid() + 1, socket.gethostname(), utcnow())
    finally:
        lock.release()
    assert lock_holder(migrated_engine) is None


def test_holder_text_round_trips_and_rejects_anything_else() -> None:
    holder = Holder(4242, "intranet-1", datetime(2026, 12, 4, 5, 0, tzinfo=UTC))
    assert parse_holder(holder.encode()) == holder
    long_host = "node-" + "x" * 95
    cut = parse_holder(Holder(1, long_host, holder.acquired_at).encode())
    assert cut is not None and len(cut.encode()) == 63 and cut.owns(1, long_host, holder.acquired_at)
    for text in (None, "", "psql", "yuqing-run x 1 h", "yuqing-run 1 2"):
        assert parse_holder(text) is None


@pytest.mark.db
def test_a_database_restart_frees_the_lock_and_release_still_works() -> None:
    """The clock's way back after an outage: the lock's session died with the server, `verify`
    says so, `release` does not raise on the dead connection, and the lock can be taken again."""
    postgres_url_or_skip()
    with private_postgres_or_skip() as server:
        engine = create_db_engine(server.url)
        try:
            lock = ServiceLock(engine, role="clock")
            assert lock.acquire() and lock.verify()
            server.stop()
            server.start()
            assert not lock.verify()
            lock.release()
            again = ServiceLock(engine, role="clock")
            assert again.acquire()
            again.release()
        finally:
            engine.dispose()
