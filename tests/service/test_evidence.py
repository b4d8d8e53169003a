"""Evidence capture against a local server on 127.0.0.1: caps per page and in total, the switch,
and `yuqing evidence` for one post and for an unknown story."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from tests.alerts.factories import make_story, raise_tier
from yuqing.alerts.jobs import raise_alerts
from yuqing.alerts.models import Alert, IncidentEvent
from yuqing.collector.models import EvidencePage
from yuqing.collector.screenshot import find_chromium
from yuqing.config.database import transaction, utcnow
from yuqing.config.settings import Settings
from yuqing.service.evidence import capture_evidence, render_screenshots, watch_deletions

PAGE = random.Random(19).randbytes(4000)  # incompressible: its compressed size is about its size
GONE: set[str] = set()  # paths the site answers with 404


@pytest.fixture
def site() -> Iterator[str]:
    """host:port of a server answering every path with PAGE (robots.txt: 404)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = PAGE if self.path != "/robots.txt" and self.path not in GONE else b""
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    GONE.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _settings(alert_deletions: bool = False, **evidence: Any) -> Settings:
    return Settings.model_validate({
        "fetch": {"per_host_delay": "0s", "retries": 0, "timeout": "5s"}, "evidence": evidence,
        "schemes": [{"name": "交通局", "query": "交通局", "alert_deletions": alert_deletions}],
        "channels": [{"name": "office", "kind": "log"}]})


def _alerted_story(db, site: str, copies: int, now: datetime) -> int:
    with transaction(db) as session:
        story = make_story(session, now=now, sites=tuple(site for _ in range(copies)))
        raise_tier(session, story, "major", now=now)
        story_id = story.id
    raise_alerts(Settings(), db, now=now)  # opens the incident
    return story_id


def _pages(db) -> list[EvidencePage]:
    with db() as session:
        return list(session.scalars(select(EvidencePage).order_by(EvidencePage.post_id)))


def test_pages_past_the_total_cap_keep_only_their_hash(db, site: str) -> None:
    now = utcnow()
    _alerted_story(db, site, 2, now)
    summary = capture_evidence(_settings(max_total_bytes="6kB"), db, now=now)
    first, second = _pages(db)
    assert (summary.captured, summary.not_kept) == (1, 1)
    assert first.content is not None and first.note is None and first.stored_size > 4000
    assert second.content is None and second.stored_size == 0 and "max_total_bytes" in (second.note or "")
    assert first.sha256 == second.sha256 and second.status == 200 and second.raw_size == len(PAGE)
    assert capture_evidence(_settings(), db, now=now).captured == 0  # each copy is captured once


def test_a_page_over_the_page_cap_is_not_kept(db, site: str) -> None:
    now = utcnow()
    _alerted_story(db, site, 1, now)
    capture_evidence(_settings(max_page_bytes="1kB"), db, now=now)
    (page,) = _pages(db)
    assert page.content is None and "max_page_bytes" in (page.note or "") and page.sha256


def test_disabled_evidence_fetches_nothing(db, site: str) -> None:
    now = utcnow()
    _alerted_story(db, site, 1, now)
    assert str(capture_evidence(_settings(enabled=False), db, now=now)).startswith("0 pages kept")
    assert watch_deletions(_settings(enabled=False), db, now=now).checked == 0
    assert _pages(db) == []


def test_the_cli_writes_one_posts_page_and_manifest(db, db_url: str, site: str, yuqing, write_config,
                                                  tmp_path: Path) -> None:
    now = utcnow()
    story_id = _alerted_story(db, site, 1, now)
    capture_evidence(_settings(), db, now=now)
    (page,) = _pages(db)
    cfg = ("--config", str(write_config(f'[database]\nurl = "{db_url}"\n')))
    out = tmp_path / "out"
    result = yuqing(*cfg, "evidence", f"post:{page.post_id}", "--out", str(out))
    assert result.code == 0, result.err
    assert "1 of 1 copies kept" in result.out
    (entry,) = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["copies"]
    assert entry["sha256"] == page.sha256 and entry["intact"] is True and entry["deleted_at"] is None
    assert entry["status"] == 200 and entry["url"] == page.url and entry["fetched_at"] == now.isoformat()
    assert (out / entry["file"]).read_bytes() == PAGE and entry["file"].endswith(".bin")

    missing = yuqing(*cfg, "evidence", str(story_id + 1000), "--out", str(tmp_path / "none"))
    assert missing.code == 1 and f"no story {story_id + 1000}" in missing.err
    assert yuqing(*cfg, "evidence", "thread:x").code == 1


@pytest.mark.skipif(find_chromium("chromium") is None, reason="Chromium is not installed (no `chromium` on PATH)")
def test_the_screenshot_step_keeps_a_png_once_and_counts_it(db, site: str, yuqing, write_config, db_url: str,
                                                           tmp_path: Path) -> None:
    now = utcnow()
    story_id = _alerted_story(db, site, 1, now)
    capture_evidence(_settings(), db, now=now)
    (before,) = _pages(db)
    assert render_screenshots(_settings(screenshots=False), db, now=now).screenshots == 0
    assert render_screenshots(_settings(chromium="no-such-chromium"), db, now=now).screenshots == 0
    assert render_screenshots(_settings(), db, now=now).screenshots == 1
    assert render_screenshots(_settings(), db, now=now).screenshots == 0  # one per page
    (page,) = _pages(db)
    assert page.screenshot is not None and page.screenshot.startswith(b"\x89PNG")
    assert page.stored_size == before.stored_size + len(page.screenshot)
    out = tmp_path / "out"
    assert yuqing("--config", str(write_config(f'[database]\nurl = "{db_url}"\n')), "evidence", str(story_id),
                  "--out", str(out)).code == 0
    (entry,) = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["copies"]
    assert (out / entry["screenshot"]).read_bytes() == page.screenshot


@pytest.mark.parametrize("alert_deletions", [True, False])
def test_a_deleted_copy_alerts_its_schemes_recipients_once_when_asked(db, site: str,
                                                                      alert_deletions: bool) -> None:
    now = utcnow()
    _alerted_story(db, site, 2, now)
    settings = _settings(alert_deletions)
    capture_evidence(settings, db, now=now)
    first, second = _pages(db)
    GONE.add(urlsplit(first.url).path)
    looks = [watch_deletions(settings, db, now=now + timedelta(hours=hours)) for hours in (1, 2, 3)]
    assert [(s.checked, s.gone_once, s.deleted) for s in looks] == [(2, 1, 0), (2, 0, 1), (1, 0, 0)]
    with db() as session:
        alerts = session.scalars(select(Alert).where(Alert.event == "story.copy_deleted")).all()
        events = session.scalars(select(IncidentEvent).where(IncidentEvent.kind == "copy_deleted")).all()
    (gone, kept) = _pages(db)
    assert gone.deleted_at == now + timedelta(hours=1) and kept.deleted_at is None and kept.gone_since is None
    assert len(events) == 1 and first.url in (events[0].note or "")
    if not alert_deletions:
        assert alerts == []
        return
    (alert,) = alerts
    assert alert.channel == "office" and alert.payload["deleted_url"] == first.url
    assert "first seen gone" in alert.payload["reason"]
