"""`yuqing run`: records its jobs, refuses a second instance on the same database, stops cleanly
on SIGTERM/SIGINT within a few seconds (real subprocesses)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from tests.collector.site import start_site, stop_site
from tests.collector.test_fetcher import FEED
from yuqing.config.database import create_db_engine
from yuqing.config.loading import load_settings
from yuqing.service.models import JobRun, ServiceRun
from yuqing.service.runner import Service

ROOT = Path(__file__).resolve().parents[2]


def _config(write_config: Callable[..., Path], db_url: str, extra: str = "") -> Path:
    return write_config(
        f'[database]\nurl = "{db_url}"\n[service]\npipeline_interval = "1s"\njitter = "0s"\n'
        f'log_level = "INFO"\n{extra}'
    )


def _wait(condition: Callable[[], object], timeout: float = 15.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def _runs(db: sessionmaker[Session], job_id: str) -> list[JobRun]:
    with db() as session:
        return list(session.scalars(select(JobRun).where(JobRun.job_id == job_id, JobRun.finished_at.is_not(None))))


def test_the_service_records_its_jobs_and_stops_cleanly(
    db: sessionmaker[Session], db_url: str, write_config: Callable[..., Path]
) -> None:
    settings, _ = load_settings(str(_config(write_config, db_url)))
    engine = create_db_engine(db_url)
    service = Service(settings, engine)
    service.start()
    try:
        _wait(lambda: _runs(db, "pipeline.process"))

        def broken(*_args: object, **_kwargs: object) -> None:
            raise RuntimeError("a bug in one job")

        service.run_recorded("test.broken", broken)
        assert [(r.ok, r.error) for r in _runs(db, "test.broken")] == [(False, "RuntimeError: a bug in one job")]
        service.request_stop("test over")
        service.run_recorded("test.late", broken)  # queued before the stop: skipped, not recorded
        assert _runs(db, "test.late") == []
    finally:
        assert service.stop() == 0
        engine.dispose()
    assert all(r.ok for r in _runs(db, "pipeline.process"))
    with db() as session:
        life = session.scalars(select(ServiceRun)).one()
    assert life.pid == os.getpid() and life.stop_reason == "test over" and life.stopped_at is not None


def _start(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "yuqing", "--config", str(config), "run"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _running(db: sessionmaker[Session], pid: int) -> bool:
    with db() as session:
        life = session.scalars(select(ServiceRun).where(ServiceRun.pid == pid)).first()
    return life is not None and life.stopped_at is None and bool(_runs(db, "pipeline.process"))


@pytest.mark.slow
def test_a_second_service_is_refused_and_sigterm_stops_the_first_in_seconds(
    db: sessionmaker[Session], db_url: str, write_config: Callable[..., Path], migrated_engine: Engine
) -> None:
    config = _config(write_config, db_url)
    first = _start(config)
    try:
        _wait(lambda: first.poll() is not None or _running(db, first.pid))
        assert first.poll() is None, first.communicate()
        second = subprocess.run([sys.executable, "-m", "yuqing", "--config", str(config), "run"], cwd=ROOT,
                                capture_output=True, text=True, timeout=30)
        assert second.returncode == 1
        assert "another yuqing run is using" in second.stderr and f"(pid {first.pid} on " in second.stderr
        assert "stop it first or use another database" in second.stderr and "Traceback" not in second.stderr
        began = time.monotonic()
        first.send_signal(signal.SIGTERM)
        _, err = first.communicate(timeout=10)
        elapsed = time.monotonic() - began
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, err
    assert elapsed < 5, f"took {elapsed:.1f}s to stop"
    assert "received SIGTERM" in err and "service stopped" in err
    with db() as session:
        life = session.scalars(select(ServiceRun).where(ServiceRun.pid == first.pid)).one()
    assert life.stop_reason == "received SIGTERM"


@pytest.mark.slow
def test_sigint_stops_it_too(db: sessionmaker[Session], db_url: str, write_config: Callable[..., Path]) -> None:
    service = _start(_config(write_config, db_url))
    try:
        _wait(lambda: service.poll() is not None or _running(db, service.pid))
        service.send_signal(signal.SIGINT)
        _, err = service.communicate(timeout=10)
    finally:
        if service.poll() is None:
            service.kill()
    assert service.returncode == 0, err
    assert "received SIGINT" in err


def test_every_batch_shares_one_fetcher_that_the_stop_closes(
    db: sessionmaker[Session], db_url: str, write_config: Callable[..., Path]
) -> None:
    site = start_site()
    try:
        site.routes["/robots.txt"] = lambda h: h.send_simple(200, b"User-agent: *\nDisallow: /private/\n")
        site.serve("/feed.xml", FEED, "application/rss+xml")
        sources = "".join(f'[[sources]]\nname = "s{i}"\nkind = "rss"\nurl = "{site.url("/feed.xml")}"\n'
                          f'interval = "1s"\n' for i in range(2))
        settings, _ = load_settings(str(_config(write_config, db_url, '[fetch]\nper_host_delay = "0s"\n' + sources)))
        engine = create_db_engine(db_url)
        service = Service(settings, engine)
        service.start()
        try:
            _wait(lambda: len(site.requests_to("/feed.xml")) >= 6)  # several batches, one second apart
            assert service.fetch_loop is not None
        finally:
            assert service.stop() == 0
            engine.dispose()
        assert len(site.requests_to("/robots.txt")) == 1  # one fetcher for the service's life
        assert not any(t.name == "yuqing-fetch-loop" for t in threading.enumerate())
    finally:
        stop_site(site)


def test_a_batch_with_new_posts_brings_the_pass_forward(
    db: sessionmaker[Session], db_url: str, write_config: Callable[..., Path]
) -> None:
    site = start_site()
    try:
        site.serve("/feed.xml", (ROOT / "tests/fixtures/collector/feeds/rss-utf8.xml").read_bytes(),
                   "application/rss+xml")
        source = f'[[sources]]\nname = "s"\nkind = "rss"\nurl = "{site.url("/feed.xml")}"\ninterval = "1h"\n'
        config = _config(write_config, db_url, source).read_text().replace('pipeline_interval = "1s"',
                                                                          'pipeline_interval = "1h"')
        settings, _ = load_settings(str(write_config(config)))
        engine = create_db_engine(db_url)
        service = Service(settings, engine)
        service.start()
        try:
            # the source's first poll (1 s after start) stores the feed's items; with passes an hour
            # apart, only the wake runs one before the scheduled first (5 s after start) — and the
            # pass after it waits its hour, since the next polls store nothing new
            collected = _wait(lambda: _runs(db, "collector.collect"))
            passes = _wait(lambda: _runs(db, "pipeline.process"))
            assert passes[0].started_at >= collected[0].finished_at  # after the batch, on its posts
            assert passes[0].started_at - collected[0].finished_at < timedelta(seconds=1)
            time.sleep(6)
            assert len(_runs(db, "pipeline.process")) == 1
        finally:
            assert service.stop() == 0
            engine.dispose()
    finally:
        stop_site(site)
