"""One service per database: the lock refuses a second holder and frees itself on release."""

from __future__ import annotations

from sqlalchemy import Engine

from yuqing.config.database import create_db_engine
from yuqing.service.lock import ServiceLock, is_locked, lock_path


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
