"""`yuqing clock`: one active, a standby that takes over within 30 s of a SIGKILL and sends the
same slots' keys (nothing polled twice), and the slot arithmetic behind those keys."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select

from tests.service.distributed import Cluster, wait_for
from yuqing.collector.models import Source, SourcePoll
from yuqing.config.database import create_db_engine
from yuqing.config.loading import load_settings
from yuqing.service import plan
from yuqing.service.clock import Clock, grid_slot
from yuqing.service.models import DistTask, ServiceRun
from yuqing.service.scheduler import BATCH_JOB
from yuqing.simulator.sites import SimulatedSites


def test_a_slot_is_the_grid_point_a_moment_falls_in() -> None:
    start = datetime(2026, 12, 4, 0, 0, 1, tzinfo=UTC)
    trigger = IntervalTrigger(seconds=10, start_date=start, timezone="UTC")
    assert grid_slot(trigger, start + timedelta(seconds=24.9)) == start + timedelta(seconds=20)
    assert grid_slot(trigger, start + timedelta(seconds=30)) == start + timedelta(seconds=30)
    # two clocks started at different times of one day build their tables from the same midnight
    assert plan.day_start(start + timedelta(hours=5)) == plan.day_start(start + timedelta(hours=23)) == start.replace(second=0)


@pytest.mark.db
@pytest.mark.slow
def test_a_standby_clock_takes_over_within_30_seconds_of_a_sigkill(cluster: Cluster) -> None:
    with SimulatedSites() as sites:
        cluster.write_config(f'[service]\npipeline_interval = "2s"\njitter = "0s"\n[evidence]\nenabled = false\n'
                             f'[[sources]]\nname = "news"\nkind = "rss"\nurl = "{sites.url("news")}"\ninterval = "2s"\n')
        first = cluster.clock(log="first.log")
        cluster.worker("--processes", "1", "--threads", "4")

        def life_of(pid: int) -> ServiceRun | None:
            with cluster.sessions() as session:
                return session.scalars(select(ServiceRun).where(ServiceRun.pid == pid,
                                                                ServiceRun.stopped_at.is_(None))).first()

        wait_for(lambda: life_of(first.pid), 30, "the first clock to be active")
        second = cluster.clock(log="second.log")
        time.sleep(8)  # the second waits as a standby while the first sends polls
        assert life_of(second.pid) is None
        os.kill(first.pid, signal.SIGKILL)
        killed = time.monotonic()
        wait_for(lambda: life_of(second.pid), 35, "the standby to take over")
        assert time.monotonic() - killed <= 30
        took_over = time.monotonic()
        with cluster.sessions() as session:
            before = len(session.scalars(select(DistTask.key).where(DistTask.key.like("poll:news:%"))).all())
        wait_for(lambda: len(_poll_keys(cluster)) >= before + 3, 20, "polls sent by the new clock")
        assert time.monotonic() - took_over < 20
    keys = _poll_keys(cluster)
    slots = sorted(int(key.rsplit(":", 1)[1]) for key in keys)
    assert {slot % 2 for slot in slots} == {slots[0] % 2}, slots  # both clocks on one grid: the same keys
    with cluster.sessions() as session:
        polls = session.scalars(select(SourcePoll.started_at).join(Source).where(Source.name == "news")).all()
    assert len(polls) <= len(keys)  # a slot is polled once at most, across the change of clocks


def _poll_keys(cluster: Cluster) -> list[str]:
    with cluster.sessions() as session:
        return list(session.scalars(select(DistTask.key).where(DistTask.key.like("poll:news:%"))))


@pytest.mark.db
def test_a_busy_clock_counts_merged_runs_instead_of_logging_each(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    config = cluster.write_config('[service]\npipeline_interval = "1h"\njitter = "0s"\n[evidence]\nenabled = false\n'
                                  '[[sources]]\nname = "news"\nkind = "rss"\nurl = "http://127.0.0.1:9/rss"\n'
                                  'interval = "1h"\n')
    monkeypatch.setenv("YUQING_QUEUE_URL", cluster.queue_url)
    settings, _ = load_settings(str(config))
    engine = create_db_engine(cluster.database_url)
    clock = Clock(settings, engine)
    clock._send_due = lambda: time.sleep(3)  # type: ignore[method-assign]  # the batch job due every second runs 3 s
    caplog.set_level(logging.INFO)
    runner = threading.Thread(target=clock.run)
    runner.start()
    try:
        wait_for(lambda: clock.skipped.counts().get(BATCH_JOB, 0) >= 3, 30, "three merged runs of the batch job")
    finally:
        clock.request_stop()
        runner.join(30)
    counted = clock.skipped.counts()[BATCH_JOB]
    with cluster.sessions() as session:
        life = session.scalars(select(ServiceRun).where(ServiceRun.pid == os.getpid())).one()
    engine.dispose()
    assert life.skipped_runs is not None and life.skipped_runs[BATCH_JOB] == counted  # `yuqing status` shows it
    messages = [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if "maximum number of running instances" in m]
    assert sum("merged into it" in m for m in messages) == 1
