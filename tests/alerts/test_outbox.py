"""The outbox over a real database and a real receiver: a story the receiver refuses holds back
only its own alerts; other stories go, highest tier first; each story's alerts stay in order."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.alerts.factories import make_story, raise_tier
from yuqing.alerts.jobs import deliver, raise_alerts
from yuqing.alerts.models import Alert
from yuqing.config.database import transaction, utcnow
from yuqing.config.settings import Settings

T0 = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
ROOT = Path(__file__).resolve().parents[2]


def _settings(url: str) -> Settings:
    return Settings.model_validate({"channels": [{"name": "duty", "kind": "webhook", "url": url,
                                                  "min_tier": "general"}]})


def _story(db, title: str, *tiers: str, at: datetime = T0) -> int:
    with transaction(db) as session:
        story = make_story(session, now=at, title=title)
        previous = None
        for tier in tiers:
            raise_tier(session, story, tier, now=at, previous=previous)
            previous = tier
        return story.id


def test_a_refused_story_does_not_hold_back_another_story_on_the_same_channel(db, receiver) -> None:
    r = receiver()
    s = _settings(r.url)
    refused = _story(db, "refused", "general", "significant")
    r.refuse = lambda body: body["story_id"] == refused
    raise_alerts(s, db, now=T0)
    report = deliver(s, db, now=T0)
    assert (report.sent, report.failed, report.failing) == (0, 1, ["duty"])
    assert r.attempts == 1  # the refused story's later alert waited behind its first

    other = _story(db, "other", "major", at=T0 + timedelta(seconds=5))
    raise_alerts(s, db, now=T0 + timedelta(seconds=5))
    assert deliver(s, db, now=T0 + timedelta(seconds=5)).sent == 1  # refused one backing off: not asked
    assert [(b["story_id"], b["tier"]) for b in r.jsons()] == [(other, "major")]

    for step in range(1, 30):  # the refused story is retried on its own schedule, alone
        deliver(s, db, now=T0 + timedelta(seconds=10 * step))
    assert len(r.accepted) == 1
    with db() as session:
        tries = session.scalars(select(Alert).where(Alert.story_id == refused).order_by(Alert.id)).all()
        assert [len(a.deliveries) for a in tries][1] == 0 and tries[0].attempts >= 3

    r.refuse = None
    deliver(s, db, now=T0 + timedelta(hours=1))
    assert [(b["story_id"], b["tier"]) for b in r.jsons()] == [
        (other, "major"), (refused, "general"), (refused, "significant")]  # in order within the story


def test_two_refused_stories_do_not_hold_back_a_new_one(db, receiver) -> None:
    r = receiver()
    s = _settings(r.url)
    first, second = _story(db, "first", "general"), _story(db, "second", "general")
    r.refuse = lambda body: body["story_id"] in (first, second)
    raise_alerts(s, db, now=T0)
    assert deliver(s, db, now=T0).failed == 2
    later = T0 + timedelta(minutes=1)  # both are due again, and refused again: a refusal streak
    fresh = _story(db, "fresh", "general", at=later)
    raise_alerts(s, db, now=later)
    report = deliver(s, db, now=later)
    assert (report.sent, report.failed) == (1, 2)
    assert [b["story_id"] for b in r.jsons()] == [fresh]


def test_higher_tiers_go_first_across_stories_and_order_holds_within_each(db, receiver) -> None:
    r = receiver()
    s = _settings(r.url)
    general = _story(db, "general", "general")
    rising = _story(db, "rising", "significant", "critical")
    major = _story(db, "major", "major")
    raise_alerts(s, db, now=T0)
    assert deliver(s, db, now=T0).sent == 4
    assert [(b["story_id"], b["tier"]) for b in r.jsons()] == [
        (rising, "significant"), (rising, "critical"), (major, "major"), (general, "general")]


INTERVAL = 2  # seconds between pipeline passes of the service below
SERVICE_CONFIG = """[database]
url = "{db_url}"
[service]
pipeline_interval = "{interval}s"
jitter = "0s"
[[channels]]
name = "duty"
kind = "webhook"
url = "{url}"
min_tier = "general"
[evidence]
enabled = false  # the factories' posts are on example.cn: nothing is fetched beyond 127.0.0.1
"""


def _wait_for(condition: Callable[[], object], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_yuqing_run_delivers_another_story_within_one_interval_while_one_is_refused(
    db, db_url, receiver, write_config
) -> None:
    """The acceptance line of issue 18: a real `yuqing run`, a real receiver refusing one story."""
    r = receiver()
    now = utcnow()  # the service runs on the real clock
    refused = _story(db, "refused", "general", at=now)
    r.refuse = lambda body: body["story_id"] == refused
    config = write_config(SERVICE_CONFIG.format(db_url=db_url, interval=INTERVAL, url=r.url))
    service = subprocess.Popen([sys.executable, "-m", "yuqing", "--config", str(config), "run"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _wait_for(lambda: r.attempts >= 1 or service.poll() is not None, 60), "the refused alert never went"
        assert service.poll() is None, service.communicate()
        queued = time.monotonic()
        other = _story(db, "other", "major", at=utcnow())
        arrived = _wait_for(lambda: any(b["story_id"] == other for b in r.jsons()), 60)
        waited = time.monotonic() - queued
        service.send_signal(signal.SIGTERM)
        _, err = service.communicate(timeout=30)
    finally:
        if service.poll() is None:
            service.kill()
    assert arrived and waited <= INTERVAL + 5, f"waited {waited:.1f}s"
    assert service.returncode == 0, err
    assert [(b["story_id"], b["tier"]) for b in r.jsons()] == [(other, "major")]  # the refused one: never
    with db() as session:
        head = session.scalars(select(Alert).where(Alert.story_id == refused)).one()
    assert head.status == "pending" and head.attempts >= 1 and head.last_error == "HTTP 503"
