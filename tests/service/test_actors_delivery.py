"""Delivery through the workers, under faults: a worker SIGKILLed in the middle of a delivery loses
no alert and repeats none but the one in flight (with its id); a story whose alerts the receiver
refuses does not hold back another story's alert on the same channel."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter

import pytest
from sqlalchemy import select

from tests.alerts.factories import make_story, raise_tier
from tests.alerts.receiver import Receiver
from tests.service.distributed import Cluster, wait_for
from yuqing.alerts.models import Alert
from yuqing.config.database import transaction, utcnow

pytestmark = [pytest.mark.db, pytest.mark.slow]
STORIES = 8
INTERVAL = 2  # seconds between pipeline passes


@pytest.fixture
def receiver() -> Receiver:
    found = Receiver().start()
    yield found
    found.stop()


def channel_config(receiver: Receiver) -> str:
    return (f'[service]\npipeline_interval = "{INTERVAL}s"\n[evidence]\nenabled = false\n'
            f'[[channels]]\nname = "a"\nkind = "webhook"\nurl = "{receiver.url}"\n')


def test_a_worker_killed_mid_delivery_loses_nothing_and_repeats_only_the_alert_in_flight(
        cluster: Cluster, receiver: Receiver) -> None:
    receiver.delay = 0.3
    now = utcnow()
    with transaction(cluster.sessions) as session:
        for i in range(STORIES):
            story = make_story(session, now=now, title=f"story {i}")
            raise_tier(session, story, "significant", now=now)
            raise_tier(session, story, "major", now=now, previous="significant")
    cluster.write_config(channel_config(receiver))
    cluster.clock()
    first = cluster.worker("--processes", "1", "--threads", "4", log="first.log")
    wait_for(lambda: receiver.attempts >= 5, 60, "five delivery attempts", every=0.01)
    time.sleep(0.1)  # the sixth request is inside the receiver's 0.3 s answer
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(10)
    accepted_before = len(receiver.accepted)
    assert 0 < accepted_before < 2 * STORIES
    cluster.worker("--processes", "1", "--threads", "4", log="second.log")
    wait_for(lambda: len({b["id"] for b in receiver.jsons()}) >= 2 * STORIES, 60, "every alert, after the kill")
    time.sleep(2 * INTERVAL)  # more passes: nothing more arrives
    bodies = receiver.jsons()
    keys = Counter((body["story_id"], body["tier"]) for body in bodies)
    assert len(keys) == 2 * STORIES
    twice = [key for key, count in keys.items() if count > 1]
    assert len(twice) <= 1 and all(keys[key] == 2 for key in twice), keys  # only the one in flight
    for key in twice:
        assert len({b["id"] for b in bodies if (b["story_id"], b["tier"]) == key}) == 1  # with its id
    for story_id in {b["story_id"] for b in bodies}:  # each story's tiers in order
        tiers = [b["tier"] for b in bodies if b["story_id"] == story_id]
        assert tiers.index("significant") < tiers.index("major")
    with cluster.sessions() as session:
        assert set(session.scalars(select(Alert.status))) == {"sent"}


def test_a_refused_story_does_not_hold_back_another_storys_alert(cluster: Cluster, receiver: Receiver) -> None:
    now = utcnow()
    with transaction(cluster.sessions) as session:
        refused = make_story(session, now=now, title="refused story")
        raise_tier(session, refused, "major", now=now)
        refused_id = refused.id
    receiver.refuse = lambda body: body["story_id"] == refused_id
    cluster.write_config(channel_config(receiver))
    cluster.clock()
    cluster.worker("--processes", "2", "--threads", "4")
    wait_for(lambda: receiver.attempts >= 2, 60, "the refused story's alert tried twice")
    with transaction(cluster.sessions) as session:
        other = make_story(session, now=utcnow(), title="another story")
        raise_tier(session, other, "significant", now=utcnow())
        other_id = other.id
    raised = time.monotonic()
    wait_for(lambda: any(b["story_id"] == other_id for b in receiver.jsons()), INTERVAL + 5,
             "the other story's alert", every=0.05)
    assert time.monotonic() - raised <= INTERVAL + 5
    assert all(b["story_id"] != refused_id for b in receiver.jsons())
