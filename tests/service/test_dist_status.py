"""`yuqing status` in distributed mode: the active clock and its standby, the workers seen, the
queues with their depths and oldest waiting task; readable in 80 columns, and as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.service.distributed import ROOT, Cluster, wait_for
from yuqing.config.database import utcnow
from yuqing.service import plan
from yuqing.service.task_store import insert_tasks

pytestmark = [pytest.mark.db, pytest.mark.slow]


def status(cluster: Cluster, *options: str) -> str:
    """`yuqing status` on the cluster, 80 columns wide."""
    env = {**os.environ, "YUQING_QUEUE_URL": cluster.queue_url, "COLUMNS": "80"}
    result = subprocess.run([sys.executable, "-m", "yuqing", "--config", str(cluster.config), "status", *options],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_status_shows_clock_standby_workers_and_queues(cluster: Cluster) -> None:
    cluster.write_config('[service]\npipeline_interval = "1h"\n')
    cluster.clock(log="clock-a.log")
    cluster.clock(log="clock-b.log")
    cluster.worker("--queues", "fetch", "--processes", "1", "--threads", "1")
    with cluster.sessions() as session, session.begin():  # work on a queue nobody listens to
        insert_tasks(session, [plan.retention_task(utcnow())], utcnow())

    def seen() -> dict | None:
        found = json.loads(status(cluster, "--json"))
        dist = found["distributed"]
        return found if found["running"] and len(dist["clocks"]) == 2 and dist["workers"] else None

    found = wait_for(seen, 60, "both clocks and a worker in the status", every=1)
    dist = found["distributed"]
    assert dist["broker_answers"] is True
    assert [w["queues"] for w in dist["workers"]] == [[f"{cluster.prefix}.fetch"]]
    digest = next(q for q in dist["queues"] if q["name"] == "digest")
    assert digest["waiting"] >= 1 and digest["oldest_waiting_age_seconds"] >= 0  # ours, and the catch-up digest
    assert {q["name"] for q in dist["queues"]} == set(plan.STEP_QUEUES.values()) | {"fetch", "digest"}
    jobs = {job["id"] for job in found["jobs"]}  # the embedded batch writer does not run here: not "never run"
    assert "collector.collect" not in jobs and "pipeline.process" in jobs
    text = status(cluster)
    assert max(len(line) for line in text.splitlines()) <= 80, text
    assert "clock active: pid" in text and "1 standby" in text and "workers: 1 seen" in text
    assert "digest" in text and "YUQING_QUEUE_URL" not in text and "guest" not in text
