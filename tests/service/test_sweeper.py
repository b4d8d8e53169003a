"""The clock's sweeper: unsent rows are sent (once their sender had time to), tasks of a dead worker sent again, tasks past their
deadline expired; a live worker's task and a finished one are left alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.service.distributed import Cluster
from yuqing.config.database import transaction, utcnow
from yuqing.config.loading import load_settings
from yuqing.service import plan
from yuqing.service.models import DistTask
from yuqing.service.queue import Sender, make_broker, queue_depths
from yuqing.service.sweeper import UNSENT_AFTER, sweep
from yuqing.service.task_store import claim, finish, insert_tasks, record_node

pytestmark = [pytest.mark.db]


def test_the_sweeper_sends_what_was_left_and_expires_what_is_late(cluster: Cluster,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YUQING_QUEUE_URL", cluster.queue_url)
    settings = load_settings(str(cluster.write_config("")))[0]
    sender = Sender(settings, cluster.sessions, make_broker(settings))
    now = utcnow()
    names = ["unsent", "orphaned", "live", "late", "done"]
    with transaction(cluster.sessions) as session:
        insert_tasks(session, [plan.noop_task(name, now) for name in names], now)
        record_node(session, name="worker here:1", role="worker", hostname="here", pid=1, queues=None, now=now)
        earlier = now - timedelta(seconds=30)
        claim(session, "noop:orphaned", "worker gone:2", earlier)  # its worker never beat: gone
        claim(session, "noop:live", "worker here:1", earlier)
        finish(session, "noop:done", now, ok=True, summary="done")
        session.execute(update(DistTask).where(DistTask.key == "noop:late").values(deadline_at=now))
        session.execute(update(DistTask).where(DistTask.key != "noop:unsent").values(sent_at=earlier, sends=1))
    report = sweep(settings, cluster.sessions, sender, now + timedelta(seconds=1), queue_depths(settings))
    assert (report.resent, report.expired) == (1, 1)  # the unsent row is its sender's to send for a while yet
    report = sweep(settings, cluster.sessions, sender, now + UNSENT_AFTER + timedelta(seconds=1), queue_depths(settings))
    assert (report.resent, report.expired) == (2, 0)  # its sender did not send it: the sweeper does (and the
    # orphaned one again, as no worker took it meanwhile)
    with cluster.sessions() as session:
        rows = {row.key.split(":")[1]: row for row in session.scalars(select(DistTask))}
    assert rows["unsent"].sends == 1 and rows["orphaned"].sends == 3 and rows["live"].sends == 1
    assert rows["late"].finished_at is not None and rows["late"].ok is False
    assert queue_depths(settings)["digest"] == 3  # the three messages sent by the sweeps
    sender.broker.close()
