"""`source.blocked` alerts: queued once per episode (tests/collector/test_blocked.py), delivered through the
outbox like any alert, and rendered by every channel format without story figures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from yuqing.alerts.jobs import deliver
from yuqing.alerts.models import Alert
from yuqing.alerts.render import render_card, render_email, render_markdown
from yuqing.alerts.sources import admin_channels, raise_source_alerts
from yuqing.collector.models import Source
from yuqing.config.database import transaction
from yuqing.config.settings import Settings

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


def _settings(log: Path, **extra: object) -> Settings:
    return Settings.model_validate({
        "sources": [{"name": "weibo", "kind": "json", "url": "https://m.weibo.example/api?page={page}",
                     "link_template": "https://m.weibo.example/detail/{id}",
                     "selectors": {"items": "data.cards[].mblog", "id": "id"}}],
        "channels": [{"name": "ops", "kind": "log", "path": str(log)},
                     {"name": "leaders", "kind": "log", "path": str(log) + ".leaders"}],
        **extra,
    })


def _block(db) -> None:
    with transaction(db) as session:
        session.add(Source(name="weibo", kind="json", url="https://m.weibo.example/api?page={page}",
                           site="m.weibo.example", consecutive_failures=1, last_polled_at=NOW,
                           blocked_reason="HTTP 432 (the platform's anti-crawler answer)", blocked_at=NOW,
                           next_poll_at=NOW + timedelta(hours=6)))


def test_a_blocked_source_alert_is_delivered_once_through_the_outbox(db, tmp_path: Path) -> None:
    log = tmp_path / "alerts.jsonl"
    settings = _settings(log, groups={"admin": ["ops"]})
    _block(db)
    assert raise_source_alerts(settings, db, now=NOW).alerts == 1
    assert raise_source_alerts(settings, db, now=NOW + timedelta(minutes=5)).alerts == 0
    report = deliver(settings, db, now=NOW + timedelta(minutes=5))
    assert report.sent == 1
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [(d["event"], d["source"]["name"], d["tier"]) for d in lines] == [("source.blocked", "weibo", None)]
    assert lines[0]["source"]["next_poll_at"] == "2026-11-21T16:00:00+08:00"
    assert not Path(str(log) + ".leaders").exists()  # the admin group only
    with db() as session:
        assert [a.status for a in session.scalars(select(Alert))] == ["sent"]


def test_admin_channels_default_to_every_channel_without_a_setting_or_group(tmp_path: Path) -> None:
    assert [c.name for c in admin_channels(_settings(tmp_path / "a"))] == ["ops", "leaders"]
    chosen = _settings(tmp_path / "a", fetch={"admin_channels": ["leaders"]}, groups={"admin": ["ops"]})
    assert [c.name for c in admin_channels(chosen)] == ["leaders"]


def test_every_format_renders_a_blocked_source_without_story_figures(db, tmp_path: Path) -> None:
    settings = _settings(tmp_path / "alerts.jsonl")
    _block(db)
    raise_source_alerts(settings, db, now=NOW)
    with db() as session:
        payload = session.scalars(select(Alert)).first().payload
    title, markdown = render_markdown([payload])
    assert title.startswith("来源被拦截 (监测盲区)") and "HTTP 432" in markdown
    assert "24小时点击" not in markdown and "负面度" not in markdown
    subject, html, text = render_email([payload])
    assert "来源被拦截" in subject and "HTTP 432" in html and "HTTP 432" in text and "负面度" not in text
    card = json.dumps(render_card([payload]), ensure_ascii=False)
    assert "HTTP 432" in card and "orange" in card
