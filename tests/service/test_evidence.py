"""Evidence capture against a local server on 127.0.0.1: caps per page and in total, the switch,
a login wall (a deletion only for a post that left its list), and `yuqing evidence` for one post
and for an unknown story."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import threading
import zlib
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
from yuqing.collector.models import EvidencePage, Post, Source, SourcePoll
from yuqing.collector.screenshot import find_chromium
from yuqing.config.database import transaction, utcnow
from yuqing.config.settings import Settings
from yuqing.service.evidence import capture_evidence, render_screenshots, watch_deletions

PAGE = random.Random(19).randbytes(4000)  # incompressible: its compressed size is about its size
GONE: set[str] = set()  # paths the site answers with 404
DOWN: set[str] = set()  # paths the site answers with 503
NOTICES: dict[str, bytes] = {}  # paths the site answers with this page (status 200) instead of PAGE
LOGIN_WALL = ("<html><head><title>提示信息 - 江城论坛</title></head><body><div id=\"messagetext\">"
              "<p>抱歉，您尚未登录，没有权限访问该版块</p></div></body></html>").encode("gbk")


@pytest.fixture
def site() -> Iterator[str]:
    """host:port of a server answering every path with PAGE (robots.txt: 404)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = NOTICES.get(self.path) or (PAGE if self.path != "/robots.txt" and self.path not in GONE else b"")
            if self.path in DOWN:
                body = b"Service Unavailable"
            self.send_response(503 if self.path in DOWN else 200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    GONE.clear()
    DOWN.clear()
    NOTICES.clear()
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


def _sha256sum_check(folder: Path) -> int:
    """The exit code of coreutils' `sha256sum -c SHA256SUMS` in `folder`."""
    if shutil.which("sha256sum") is None:
        pytest.skip("sha256sum (coreutils) is not installed")
    return subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=folder, capture_output=True,
                          check=False).returncode


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

    assert _sha256sum_check(out) == 0  # the folder verifies with coreutils alone

    with transaction(db) as session:  # the stored bytes altered behind yuqing's back
        altered = session.get(EvidencePage, page.id)
        assert altered is not None
        altered.content = zlib.compress(PAGE[:-1] + b"!")
    again = yuqing(*cfg, "evidence", f"post:{page.post_id}", "--out", str(tmp_path / "altered"))
    assert again.code == 1 and "no longer hashes" in again.err
    (entry,) = json.loads((tmp_path / "altered" / "manifest.json").read_text(encoding="utf-8"))["copies"]
    assert entry["intact"] is False and _sha256sum_check(tmp_path / "altered") != 0

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
    assert render_screenshots(_settings(max_page_bytes="5kB"), db, now=now).screenshots == 0  # the PNG is larger
    (capped,) = _pages(db)
    assert capped.screenshot is None and "max_page_bytes" in (capped.screenshot_note or "")
    with transaction(db) as session:  # tried again with the default caps
        retry = session.get(EvidencePage, capped.id)
        assert retry is not None
        retry.screenshot_note = None
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
    assert entry["screenshot"] in (out / "SHA256SUMS").read_text() and _sha256sum_check(out) == 0


def test_a_full_archive_starts_no_chromium(db, site: str, tmp_path: Path) -> None:
    now = utcnow()
    _alerted_story(db, site, 1, now)
    capture_evidence(_settings(), db, now=now)
    (page,) = _pages(db)
    started = tmp_path / "started"
    chromium = tmp_path / "chromium"  # a Chromium that leaves a mark when it is run
    chromium.write_text(f"#!/bin/sh\ntouch {started}\nexit 1\n")
    chromium.chmod(0o755)
    summary = render_screenshots(_settings(chromium=str(chromium), max_total_bytes=f"{page.stored_size}B"), db,
                                 now=now)
    assert summary.screenshots == 0 and not started.exists()
    (capped,) = _pages(db)
    assert capped.screenshot is None and "max_total_bytes" in (capped.screenshot_note or "")


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


def test_a_login_wall_is_a_deletion_only_for_a_public_post_that_left_its_list(db, site: str) -> None:
    now = utcnow()
    _alerted_story(db, site, 3, now)
    with db() as session:  # the third copy's page asked for a login already when it was kept
        walled_url = session.scalars(select(Post.url).order_by(Post.id)).all()[2]
    NOTICES[urlsplit(walled_url).path] = LOGIN_WALL
    settings = _settings()  # watch_interval 30m
    capture_evidence(settings, db, now=now)
    listed, dropped, walled = _pages(db)
    for page in (listed, dropped):
        NOTICES[urlsplit(page.url).path] = LOGIN_WALL
    read = now + timedelta(minutes=10)  # the board's list is read: `listed` is in it, the others not
    with transaction(db) as session:
        source = Source(name="bbs", kind="discuz", url=f"http://{site}/list", site=site)
        session.add(source)
        session.flush()
        for page in (listed, dropped, walled):
            post = session.get(Post, page.post_id)
            assert post is not None
            post.source_id, post.last_seen_at = source.id, read if page is listed else now
        session.add(SourcePoll(source_id=source.id, started_at=read, outcome="ok", items_found=30))
    looks = [watch_deletions(settings, db, now=read + timedelta(minutes=m)) for m in (1, 2, 40, 41)]
    # the dropped posts are looked at before their interval: the public one is seen gone and confirmed,
    # the one walled from the start is not; the listed one is due 30m after its capture, and its login
    # wall is no observation either
    assert [(s.checked, s.gone_once, s.deleted) for s in looks] == [(2, 1, 0), (1, 0, 1), (2, 0, 0), (0, 0, 0)]
    still, gone, walled = _pages(db)
    assert walled.deleted_at is None and walled.gone_since is None
    assert gone.deleted_at == read + timedelta(minutes=1) and "log in" in (gone.gone_reason or "")
    assert "no longer in its list" in (gone.gone_reason or "")
    assert still.deleted_at is None and still.gone_since is None and still.watching


def test_a_copy_whose_site_answers_5xx_is_never_marked(db, site: str) -> None:
    now = utcnow()
    _alerted_story(db, site, 1, now)
    settings = _settings()
    capture_evidence(settings, db, now=now)
    (page,) = _pages(db)
    DOWN.add(urlsplit(page.url).path)
    looks = [watch_deletions(settings, db, now=now + timedelta(hours=hours)) for hours in (1, 2, 3, 4)]
    assert [(s.checked, s.gone_once, s.deleted) for s in looks] == [(1, 0, 0)] * 4  # looked at, judged nothing
    (after,) = _pages(db)
    assert after.gone_since is None and after.deleted_at is None and after.watching
    assert after.sha256 == page.sha256 and after.content == page.content
