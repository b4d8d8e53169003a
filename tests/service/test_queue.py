"""Sending tasks: the row first and once per key, the message second; a broker that does not
answer leaves the row unsent for the sweeper; the queues' depths read by a passive declare."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.service.distributed import Cluster
from yuqing.config.database import utcnow
from yuqing.config.errors import ConfigError
from yuqing.config.loading import load_settings
from yuqing.config.settings import Settings
from yuqing.service import plan
from yuqing.service.models import DistTask
from yuqing.service.queue import (
    OUTAGE_RETRIES,
    RETRIES,
    Sender,
    broker_url,
    make_broker,
    queue_depths,
    retry_when,
)

pytestmark = [pytest.mark.db]


def settings_of(cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("YUQING_QUEUE_URL", cluster.queue_url)
    return load_settings(str(cluster.write_config("")))[0]


def test_a_key_is_sent_once_and_counted_on_its_queue(cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_of(cluster, monkeypatch)
    sender = Sender(settings, cluster.sessions, make_broker(settings))
    tasks = [plan.noop_task("a", utcnow()), plan.noop_task("b", utcnow())]
    assert sender.submit(tasks) == 2
    assert sender.submit(tasks) == 0  # the same keys again (a restarted clock, say): nothing new
    assert queue_depths(settings)["digest"] == 2
    with cluster.sessions() as session:
        rows = session.scalars(select(DistTask)).all()
    assert {(r.key, r.sends) for r in rows} == {("noop:a", 1), ("noop:b", 1)}
    assert all(r.sent_at is not None for r in rows)
    sender.broker.close()


def test_a_broker_that_does_not_answer_leaves_the_row_unsent(cluster: Cluster, monkeypatch) -> None:
    settings = settings_of(cluster, monkeypatch)
    monkeypatch.setenv("YUQING_QUEUE_URL", "amqp://guest:guest@127.0.0.1:1/%2F")  # nobody listens there
    sender = Sender(settings, cluster.sessions, make_broker(settings))
    assert sender.submit([plan.noop_task("c", utcnow())]) == 1
    with cluster.sessions() as session:
        row = session.scalars(select(DistTask)).one()
    assert row.sent_at is None and row.sends == 0
    assert queue_depths(settings) is None


def test_the_url_comes_only_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YUQING_QUEUE_URL", raising=False)
    settings = Settings.model_validate({"queue": {}})
    with pytest.raises(ConfigError, match="YUQING_QUEUE_URL, but it is not set"):
        broker_url(settings)
    with pytest.raises(ConfigError, match=r"needs a \[queue\] section"):
        broker_url(Settings())


def test_a_task_is_retried_for_minutes_while_a_server_is_away_and_three_times_otherwise() -> None:
    from dramatiq.common import compute_backoff
    from dramatiq.errors import ConnectionClosed
    from sqlalchemy.exc import OperationalError

    database_away = OperationalError("SELECT 1", {}, Exception("connection refused"))
    for away in (database_away, ConnectionClosed(Exception("broker restarting"))):
        assert retry_when(OUTAGE_RETRIES - 1, away) and not retry_when(OUTAGE_RETRIES, away)
    assert retry_when(RETRIES - 1, ValueError("a bug")) and not retry_when(RETRIES, ValueError("a bug"))
    # the outage retries outlast the 30 s database stop of tests/service/test_actors_faults.py many times over
    shortest = sum(compute_backoff(n, factor=1_000, max_backoff=30_000)[1] for n in range(OUTAGE_RETRIES)) / 1000
    assert shortest > 100
