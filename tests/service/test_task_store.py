"""The worker's statements on the task rows, on PostgreSQL: new keys alone come back as messages, a
claim takes an open task (again after a kill) and never a finished one, and a poll's standing says
whether its slot is stored and how the source is failing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from tests.conftest import isolated_postgres_url, postgres_url_or_skip
from yuqing.collector.models import Source, SourcePoll
from yuqing.config.database import create_db_engine, session_factory, transaction, utcnow
from yuqing.service import plan
from yuqing.service.migrate import upgrade
from yuqing.service.models import DistTask
from yuqing.service.task_store import PollStanding, claim, finish, insert_tasks, poll_standing

pytestmark = [pytest.mark.db]


@pytest.fixture
def engine() -> Iterator[Engine]:
    """A migrated PostgreSQL schema of this test's own."""
    isolated, drop = isolated_postgres_url(postgres_url_or_skip())
    found = create_db_engine(isolated)
    upgrade(found)
    yield found
    found.dispose()
    drop()


def test_new_keys_alone_come_back_as_messages(engine: Engine) -> None:
    now = utcnow()
    with engine.begin() as connection:
        first = insert_tasks(connection, [plan.noop_task("a", now), plan.noop_task("b", now)], now)
        again = insert_tasks(connection, [plan.noop_task("b", now), plan.noop_task("c", now)], now)
    assert [(key, queue, actor, args) for _, key, queue, actor, args in first] == [
        ("noop:a", "digest", "noop", {}), ("noop:b", "digest", "noop", {})]
    assert [key for _, key, *_ in again] == ["noop:c"]  # noop:b was there: no second message
    poll = plan.poll_task("news", now, timedelta(seconds=60))
    with transaction(session_factory(engine)) as session:  # a session works as well as a connection
        (message,) = insert_tasks(session, [poll], now)
    assert message[1:] == (poll.key, "fetch", "poll", poll.args)


def test_a_claim_takes_an_open_task_and_never_a_finished_one(engine: Engine) -> None:
    now = utcnow()
    with engine.begin() as connection:
        ((task_id, *_),) = insert_tasks(connection, [plan.noop_task("a", now)], now)
        assert claim(connection, "noop:a", "worker one:1", now) == task_id
        # the same message again after its worker was killed: taken again, one attempt more
        assert claim(connection, "noop:a", "worker two:2", now + timedelta(seconds=1)) == task_id
    with session_factory(engine)() as session:
        row = session.scalars(select(DistTask).where(DistTask.key == "noop:a")).one()
    assert (row.worker, row.attempts, row.started_at, row.finished_at) == (
        "worker two:2", 2, now + timedelta(seconds=1), None)
    with engine.begin() as connection:
        finish(connection, "noop:a", now + timedelta(seconds=2), ok=True, summary="nothing")
        assert claim(connection, "noop:a", "worker three:3", now + timedelta(seconds=3)) is None
        assert claim(connection, "noop:unknown", "worker three:3", now) is None
    with session_factory(engine)() as session:
        row = session.scalars(select(DistTask).where(DistTask.key == "noop:a")).one()
    assert (row.worker, row.attempts, row.ok, row.summary) == ("worker two:2", 2, True, "nothing")


def test_a_polls_standing(engine: Engine) -> None:
    slot = utcnow().replace(microsecond=0)
    with engine.connect() as connection:
        assert poll_standing(connection, "news", slot) == PollStanding(False, 0, None)  # no row yet
    with transaction(session_factory(engine)) as session:
        row = Source(name="news", kind="rss", url="http://127.0.0.1/news", site="news.example",
                     consecutive_failures=3, next_poll_at=slot + timedelta(minutes=8))
        session.add(row)
        session.flush()
        session.add(SourcePoll(source_id=row.id, started_at=slot + timedelta(seconds=1),
                               finished_at=slot + timedelta(seconds=2), outcome="error", items_found=0,
                               items_new=0))
    with engine.connect() as connection:
        assert poll_standing(connection, "news", slot) == PollStanding(True, 3, slot + timedelta(minutes=8))
        assert not poll_standing(connection, "news", slot + timedelta(seconds=2)).polled  # the next slot's
