"""Kill -9 during a pass, start again: the pass's work is completed, no post and no alert twice.

Real `yuqing run` subprocesses against the simulator; needs every stage (skipped otherwise).
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
from sqlalchemy import func, select

from yuqing.alerts.models import Alert
from yuqing.collector.models import Post
from yuqing.config.database import create_db_engine, session_factory
from yuqing.config.loading import load_settings
from yuqing.service.demo import write_demo_config
from yuqing.service.migrate import upgrade
from yuqing.service.models import JobRun
from yuqing.service.store import INTERRUPTED
from yuqing.simulator.receiver import WebhookReceiver
from yuqing.simulator.scenario import EXPECTED_ALERTS, STEPS, story_of_alert
from yuqing.simulator.sites import SimulatedSites

ROOT = Path(__file__).resolve().parents[2]
SERVICE = 'pipeline_interval = "1s"\njitter = "0s"\nlog_level = "DEBUG"\n'


def _start(config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "yuqing", "--config", str(config), "run"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_for(condition, timeout: float = 40.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.slow
def test_kill_minus_9_mid_pass_then_restart_completes_without_duplicates(tmp_path: Path) -> None:
    expected = Counter((a.event, a.story, a.tier) for a in EXPECTED_ALERTS)
    with SimulatedSites() as sites, WebhookReceiver() as receiver:
        config = write_demo_config(tmp_path, sites, receiver, interval="1s", service=SERVICE)
        settings, _ = load_settings(str(config))
        engine = create_db_engine(settings.database.url)
        upgrade(engine)
        sessions = session_factory(engine)

        def collect_running() -> bool:
            with sessions() as session:
                return session.scalar(select(func.count()).select_from(JobRun).where(
                    JobRun.job_id == "collector.collect", JobRun.finished_at.is_(None))) > 0

        def got(step: int) -> bool:
            wanted = Counter((a.event, a.story, a.tier) for a in EXPECTED_ALERTS if a.step <= step)
            have = Counter((r.json["event"], story_of_alert(r.json), r.json["tier"]) for r in receiver.received())
            return not (wanted - have)

        service = _start(config)
        try:
            for step in range(1, STEPS):
                sites.advance()
                if step == 3:  # kill it in the middle of collecting the step that raises "major"
                    _wait_for(collect_running)
                    os.kill(service.pid, signal.SIGKILL)
                    service.wait(timeout=10)
                    service = _start(config)
                _wait_for(lambda step=step: got(step))
            time.sleep(3)  # a few more passes: nothing may arrive twice
            service.send_signal(signal.SIGTERM)
            assert service.wait(timeout=15) == 0
        finally:
            if service.poll() is None:
                service.kill()
        received = Counter((r.json["event"], story_of_alert(r.json), r.json["tier"]) for r in receiver.received())
        with sessions() as session:
            keys = session.scalars(select(Post.key)).all()
            dedupe = session.scalars(select(Alert.dedupe_key)).all()
            interrupted = session.scalar(select(func.count()).select_from(JobRun).where(JobRun.error == INTERRUPTED))
        engine.dispose()
    assert received == expected
    assert len(keys) == len(set(keys)) and len(dedupe) == len(set(dedupe))
    assert interrupted >= 1
