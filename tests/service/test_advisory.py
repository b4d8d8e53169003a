"""Advisory transaction locks: one holder across processes' connections, given back at the end of
the block, and by the server when the holder's connection dies."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.conftest import isolated_postgres_url, postgres_url_or_skip
from yuqing.config.database import create_db_engine
from yuqing.service.advisory import _WORK_KEY, channel_lock, exclusive, task_lock

pytestmark = pytest.mark.db


@pytest.fixture
def engines():
    isolated, drop = isolated_postgres_url(postgres_url_or_skip())
    one, two = create_db_engine(isolated), create_db_engine(isolated)
    yield one, two
    one.dispose()
    two.dispose()
    drop()


def test_one_holder_at_a_time_and_free_after_the_block(engines) -> None:
    one, two = engines
    with exclusive(one) as take:
        assert take(channel_lock("a"))
        with exclusive(two) as other:
            assert not other(channel_lock("a"))  # held by the first
            assert other(channel_lock("b"))  # another channel is free
            assert other(task_lock("poll:news:1"))
    with exclusive(two) as other:
        assert other(channel_lock("a"))  # given back when the first block ended


def test_a_dead_holders_lock_is_free(engines) -> None:
    one, two = engines
    with pytest.raises(Exception, match="terminat|closed|rolled back"), exclusive(one) as take:
        assert take(channel_lock("a"))
        with two.begin() as connection:  # the holder's server process dies (as with a killed worker)
            pid = connection.execute(text("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                                          "AND classid = :key AND pid <> pg_backend_pid() AND database = "
                                          "(SELECT oid FROM pg_database WHERE datname = current_database())"),
                                     {"key": _WORK_KEY}).scalar()
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with exclusive(two) as other:
            assert other(channel_lock("a"))  # free at once
