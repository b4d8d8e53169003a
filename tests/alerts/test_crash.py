"""Kill -9 in the middle of a delivery batch, run again: every (story, tier, channel) arrives once.

The subprocess runs the real pipeline pass (`yuqing.service.pipeline.run_pass`, what `yuqing collect`
runs after collecting) against receivers that answer slowly, so the kill lands while a request
is in flight. A receiver whose sender died before the answer has not accepted the alert.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.alerts.factories import make_story, raise_tier
from yuqing.alerts.models import Alert
from yuqing.config.database import transaction, utcnow

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
PASS = """
import sys
from yuqing.config.database import create_db_engine, session_factory
from yuqing.config.loading import load_settings
from yuqing.service.pipeline import run_pass

settings, _ = load_settings(sys.argv[1])
engine = create_db_engine(settings.database.url)
report = run_pass(settings, session_factory(engine))
print(report.steps["alerts.deliver"])
"""
STORIES = 8


def run_pass(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", PASS, str(config)], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_sigkill_mid_batch_then_restart_delivers_each_alert_exactly_once(db, db_url, receiver, write_config) -> None:
    a, b = receiver(), receiver()
    for r in (a, b):
        r.delay = 0.1
    now = utcnow()  # the subprocess runs on the real clock; no deadline is near yet
    with transaction(db) as session:
        for i in range(STORIES):
            story = make_story(session, now=now, title=f"story {i}")
            raise_tier(session, story, "significant", now=now)
            raise_tier(session, story, "major", now=now, previous="significant")
    config = write_config(f'''
[database]
url = "{db_url}"
[[channels]]
name = "a"
kind = "webhook"
url = "{a.url}"
[[channels]]
name = "b"
kind = "webhook"
url = "{b.url}"
[evidence]
enabled = false  # the factories' posts are on example.cn: nothing is fetched beyond 127.0.0.1
''')
    first = run_pass(config)
    deadline = time.monotonic() + 30
    while a.attempts + b.attempts < 7 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.03)  # the 7th request is inside the receiver's 0.1 s answer
    os.kill(first.pid, signal.SIGKILL)
    first.wait(10)
    assert first.returncode == -signal.SIGKILL
    time.sleep(0.3)  # let the interrupted request finish on the receiver's side
    accepted_before = len(a.accepted) + len(b.accepted)
    assert 0 < accepted_before < 4 * STORIES
    assert a.attempts + b.attempts > accepted_before  # the kill landed while a request was in flight

    second = run_pass(config)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err

    for r in (a, b):
        bodies = r.jsons()
        assert {body["event"] for body in bodies} == {"story.tier_raised"}
        keys = Counter((body["story_id"], body["tier"]) for body in bodies)
        assert len(keys) == 2 * STORIES and set(keys.values()) == {1}, keys
        assert len({body["id"] for body in bodies}) == 2 * STORIES
        stories = [body["story_id"] for body in bodies]
        assert stories == sorted(stories)  # in order, across the crash
    with db() as session:
        assert set(session.scalars(select(Alert.status))) == {"sent"}
    assert "0 waiting" in out
