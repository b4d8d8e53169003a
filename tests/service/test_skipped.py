"""Runs merged while the previous one still runs: counted per job in `yuqing status`, said once
in the log, never as APScheduler's warning per occurrence (a real service, a slow feed on 127.0.0.1)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from yuqing.config.database import create_db_engine, utcnow
from yuqing.config.loading import load_settings
from yuqing.service.runner import Service
from yuqing.service.skipped import SkippedRuns
from yuqing.service.status import get_status

FEED = (b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>slow</title>'
        b'<item><title>\xe6\x85\xa2</title><link>http://127.0.0.1/1</link></item></channel></rss>')
DELAY = 3.0  # each answer: the collection batch runs ~3 s while its job comes due every second


@pytest.fixture
def slow_feed() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(DELAY)
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(FEED)))
            self.end_headers()
            self.wfile.write(FEED)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/rss.xml"
    server.shutdown()
    server.server_close()


@pytest.mark.slow
def test_a_busy_collection_is_counted_in_status_not_logged_each_time(
    db: sessionmaker[Session], db_url: str, write_config: Callable[..., Path], slow_feed: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = write_config(f'[database]\nurl = "{db_url}"\n[service]\npipeline_interval = "1s"\njitter = "0s"\n'
                          f'[[sources]]\nname = "slow"\nkind = "rss"\nurl = "{slow_feed}"\ninterval = "1s"\n'
                          '[evidence]\nenabled = false\n')
    settings, _ = load_settings(str(config))
    engine = create_db_engine(db_url)
    service = Service(settings, engine)
    caplog.set_level(logging.INFO)
    service.start()
    try:
        deadline = time.monotonic() + 30
        while service.skipped.counts().get("collector.collect", 0) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        assert service.stop() == 0
    counted = service.skipped.counts()
    assert counted.get("collector.collect", 0) >= 3
    found = {j.id: j for j in get_status(settings, engine, db, utcnow()).jobs}
    engine.dispose()
    assert found["collector.collect"].skipped_runs == counted["collector.collect"]  # as recorded at the stop
    assert found["collector.collect"].state == "ok"
    messages = [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if "maximum number of running instances" in m]
    said = [r for r in caplog.records if "merged into it" in r.getMessage()]
    assert [getattr(r, "job", None) for r in said].count("collector.collect") == 1  # said once


def test_skipped_runs_are_counted_per_job() -> None:
    skipped = SkippedRuns()
    for job in ("collector.collect", "collector.collect", "pipeline.process"):
        skipped.count(SimpleNamespace(job_id=job))  # type: ignore[arg-type]
    assert skipped.counts() == {"collector.collect": 2, "pipeline.process": 1}
