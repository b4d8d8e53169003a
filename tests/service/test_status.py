"""`yuqing status`: not running / running, each job's last run, the outbox backlog, failing sources."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from yuqing.alerts.models import Alert
from yuqing.collector.models import Source
from yuqing.config.database import transaction, utcnow
from yuqing.service.lock import ServiceLock, lock_holder
from yuqing.service.models import ServiceRun
from yuqing.service.store import (
    UNCLEAN_STOP,
    record_job_finish,
    record_job_start,
    record_service_start,
    record_service_stop,
)

ROOT = Path(__file__).resolve().parents[2]
CONFIG = """[database]
url = "{url}"
[[sources]]
name = "city-forum"
kind = "discuz"
url = "http://127.0.0.1:9/forum.php?mod=forumdisplay&fid=2"
[[sources]]
name = "news"
kind = "rss"
url = "http://127.0.0.1:9/rss.xml"
"""


def _fill(db: sessionmaker[Session]) -> None:
    now = utcnow()
    with transaction(db) as session:
        session.add_all([
            Source(name="city-forum", kind="discuz", url="http://127.0.0.1:9/f", site="bbs", last_polled_at=now,
                   last_error="HTTP 503 from http://127.0.0.1:9/f", last_error_at=now, consecutive_failures=4,
                   last_success_at=now - timedelta(hours=2)),
            Source(name="news", kind="rss", url="http://127.0.0.1:9/rss.xml", site="news", last_polled_at=now,
                   last_success_at=now, consecutive_failures=0),
        ])
        for n, status in enumerate(("pending", "pending", "held", "sent")):
            session.add(Alert(uid=f"u{n}", dedupe_key=f"d{n}", event="story.tier_raised", channel="hook",
                              payload={}, status=status, created_at=now - timedelta(minutes=10 - n)))
        ok = record_job_start(session, "pipeline.process", now - timedelta(seconds=30))
        record_job_finish(session, ok, now=now, ok=True, summary="analysed 3 posts", error=None)
        bad = record_job_start(session, "collector.collect:city-forum", now)
        record_job_finish(session, bad, now=now, ok=False, summary=None, error="HTTP 503")


def test_status_of_a_database_the_service_never_ran_on(
    yuqing: Callable[..., object], write_config: Callable[..., Path], db_url: str
) -> None:
    config = write_config(CONFIG.format(url=db_url))
    result = yuqing("--config", str(config), "status", "--json")
    assert result.code == 0, result.err
    found = json.loads(result.out)
    assert found["running"] is False and found["pid"] is None and found["last_stop_reason"] is None
    assert [(j["id"], j["state"]) for j in found["jobs"]] == [
        ("collector.collect:city-forum", "never run"), ("collector.collect:news", "never run"),
        ("collector.collect", "never run"), ("pipeline.process", "never run"), ("alerts.digest", "never run"), ("service.retention", "never run"),
    ]
    assert found["outbox"] == {"pending": 0, "held": 0, "failed": 0, "oldest_pending_at": None,
                               "oldest_pending_age_seconds": None}
    human = yuqing("--config", str(config), "status")
    assert human.code == 0 and "not running: the service never ran on this database" in human.out


def test_status_shows_jobs_backlog_and_failing_sources(
    yuqing: Callable[..., object], write_config: Callable[..., Path], db_url: str,
    db: sessionmaker[Session], migrated_engine: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fill(db)
    config = write_config(CONFIG.format(url=db_url))
    lock = ServiceLock(migrated_engine)
    assert lock.acquire()  # as a running service would hold it
    try:
        with transaction(db) as session:
            run_id = record_service_start(session, pid=os.getpid(), hostname=socket.gethostname(), version="0.1.0",
                                          now=utcnow())
        result = yuqing("--config", str(config), "status", "--json")
        human = yuqing("--config", str(config), "status", "--wide")
        monkeypatch.setenv("COLUMNS", "80")
        narrow = yuqing("--config", str(config), "status").out  # type: ignore[attr-defined]
    finally:
        lock.release()
    found = json.loads(result.out)
    assert found["running"] is True and found["starting"] is False
    assert found["pid"] == os.getpid() and found["hostname"] == socket.gethostname()
    assert 0 <= found["heartbeat_age_seconds"] < 60 and found["stale"] is False
    jobs = {j["id"]: j for j in found["jobs"]}
    assert jobs["pipeline.process"]["state"] == "ok" and jobs["pipeline.process"]["summary"] == "analysed 3 posts"
    forum = jobs["collector.collect:city-forum"]
    assert (forum["state"], forum["error"], forum["failures_in_a_row"]) == ("failed", "HTTP 503", 1)
    assert found["outbox"]["pending"] == 2 and found["outbox"]["held"] == 1
    assert 590 <= found["outbox"]["oldest_pending_age_seconds"] < 700
    assert [(s["name"], s["consecutive_failures"]) for s in found["failing_sources"]] == [("city-forum", 4)]
    assert f"running: pid {os.getpid()} on {socket.gethostname()}" in human.out
    assert "outbox: 2 pending, 1 held, 0 failed, oldest pending 10m ago" in human.out
    assert "city-forum: 4 failures, last success 2h ago: HTTP 503 from" in human.out
    assert "last success" in human.out and "skipped" in human.out
    assert max(cell_len(line) for line in narrow.splitlines()) <= 80
    assert "skipped" not in narrow and "HTTP 503" in narrow and "analysed 3 posts" in narrow
    with transaction(db) as session:
        record_service_stop(session, run_id, now=utcnow(), reason="received SIGTERM")
    after = json.loads(yuqing("--config", str(config), "status", "--json").out)
    assert after["running"] is False and after["last_stop_reason"] == "received SIGTERM"


def _start(config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "yuqing", "--config", str(config), "run"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _life_of(db: sessionmaker[Session], pid: int) -> ServiceRun | None:
    with db() as session:
        return session.scalars(select(ServiceRun).where(ServiceRun.pid == pid)).first()


def _wait_until(condition: Callable[[], object], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@contextmanager
def _writer_holding(db_url: str, engine: Engine) -> Iterator[None]:
    """Another writer holding the database (reads still go): SQLite BEGIN IMMEDIATE, a PostgreSQL table lock."""
    if engine.dialect.name == "sqlite":
        connection = sqlite3.connect(engine.url.database, timeout=1)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.rollback()
            connection.close()
        return
    with engine.connect() as conn, conn.begin():
        conn.execute(text("LOCK TABLE service_runs IN EXCLUSIVE MODE"))
        yield


@pytest.mark.slow
def test_after_sigkill_status_never_reports_the_dead_process_as_running(
    yuqing: Callable[..., object], write_config: Callable[..., Path], db_url: str,
    db: sessionmaker[Session], migrated_engine: Engine,
) -> None:
    config = write_config(f'[database]\nurl = "{db_url}"\n[service]\npipeline_interval = "1s"\njitter = "0s"\n')

    def status() -> dict:
        return json.loads(yuqing("--config", str(config), "status", "--json").out)

    first = _start(config)
    try:
        _wait_until(lambda: first.poll() is not None or _life_of(db, first.pid))
        assert status()["pid"] == first.pid
        first.kill()  # SIGKILL: no stop recorded
        first.wait(10)
        with transaction(db) as session:  # a run the dead process left unfinished
            record_job_start(session, "service.retention", utcnow())
        dead = status()
        assert (dead["running"], dead["starting"], dead["pid"]) == (False, False, None)
        assert dead["last_stop_reason"] == UNCLEAN_STOP
        assert {j["id"]: j["state"] for j in dead["jobs"]}["service.retention"] == "interrupted"

        with _writer_holding(db_url, migrated_engine):
            second = _start(config)
            try:
                _wait_until(lambda: second.poll() is not None
                            or getattr(lock_holder(migrated_engine), "pid", None) == second.pid)
                assert second.poll() is None, second.communicate()
                waiting = status()  # the new process holds the lock, waits on the database
                human = yuqing("--config", str(config), "status").out
                assert _life_of(db, second.pid) is None
            except BaseException:
                second.kill()
                raise
        assert (waiting["running"], waiting["starting"], waiting["pid"]) == (True, True, second.pid)
        assert waiting["last_stop_reason"] == UNCLEAN_STOP and waiting["stale"] is False
        assert "running" not in {j["state"] for j in waiting["jobs"]}
        assert f"starting: pid {second.pid} on" in human and f"pid {first.pid}" not in human
        _wait_until(lambda: second.poll() is not None or _life_of(db, second.pid))
        started = status()
        assert (started["running"], started["starting"], started["pid"]) == (True, False, second.pid)
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0
    finally:
        for process in (first, *([second] if "second" in locals() else [])):
            if process.poll() is None:
                process.kill()


def test_status_shows_the_database_size_and_its_big_tables(
    yuqing: Callable[..., object], write_config: Callable[..., Path], db_url: str, db: sessionmaker[Session],
    migrated_engine: Engine,
) -> None:
    _fill(db)
    config = write_config(CONFIG.format(url=db_url) + '[evidence]\nmax_total_bytes = "64MiB"\n')
    found = json.loads(yuqing("--config", str(config), "status", "--json").out)["storage"]
    human = yuqing("--config", str(config), "status").out
    assert found["backend"] == migrated_engine.dialect.name
    assert set(found["rows"]) == {"posts", "snapshots", "source_polls", "evidence_pages"}
    assert found["evidence_bytes"] == 0 and found["evidence_max_bytes"] == 64 * 1024 * 1024
    if found["backend"] == "sqlite":
        database = Path(migrated_engine.url.database or "")
        on_disk = database.stat().st_size + (Path(f"{database}-wal").stat().st_size
                                             if Path(f"{database}-wal").exists() else 0)
        assert found["bytes"] == on_disk > 0 and str(database) in found["files"]
        assert found["rows_estimated"] is False and found["rows"]["source_polls"] == 0
    else:
        with migrated_engine.connect() as conn:
            size = conn.scalar(text("SELECT pg_database_size(current_database())"))
        assert found["rows_estimated"] is True and 0 < found["bytes"] <= size * 2
    assert "database: " in human and f"({found['backend']}); rows " in human and "evidence 0 B of 64.0 MiB" in human
