"""Digest jobs: files and record, a re-run that overwrites, catch-up after downtime."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.alerts.digest.world import DAY, NOW, build_world, digest_settings, local
from yuqing.alerts.digest.jobs import make_digest, run_digest
from yuqing.alerts.digest.store import missing_digest_days
from yuqing.alerts.models import Digest
from yuqing.collector.models import Source
from yuqing.config.database import transaction
from yuqing.config.settings import Settings


def test_make_digest_writes_both_files_and_records_the_day(db: sessionmaker[Session], tmp_path: Path) -> None:
    build_world(db)
    report = make_digest(digest_settings(out_dir=str(tmp_path / "out")), db, now=NOW, send=True)
    assert report.day == DAY  # yesterday, local, by default
    assert report.html_path == tmp_path / "out" / "digest-2026-11-20.html"
    assert report.markdown_path == tmp_path / "out" / "digest-2026-11-20.md"
    assert report.html_path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert report.markdown_path.read_text(encoding="utf-8").startswith("# 舆情日报 · 2026-11-20")
    assert report.results == []  # no channel configured: nothing to send to
    assert str(report) == f"digest 2026-11-20: {report.html_path}, {report.markdown_path}"
    with db() as session:
        row = session.scalars(select(Digest)).one()
    assert (row.day, row.generated_at, row.sent_at) == (DAY, NOW, None)
    assert row.html_path == str(report.html_path) and row.figures["posts"] == report.figures["posts"] > 0


def test_running_a_day_again_overwrites_files_and_updates_the_row(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    build_world(db)
    settings = digest_settings(out_dir=str(tmp_path))
    first = make_digest(settings, db, now=NOW, day=DAY, send=False)
    first.html_path.write_text("stale", encoding="utf-8")
    later = NOW + timedelta(hours=3)
    second = make_digest(settings, db, now=later, day=DAY, send=False)
    assert second.html_path == first.html_path and "stale" not in second.html_path.read_text(encoding="utf-8")
    assert "生成于 2026-11-21 11:00" in second.markdown_path.read_text(encoding="utf-8")
    with db() as session:
        rows = session.scalars(select(Digest)).all()
    assert [(r.day, r.generated_at) for r in rows] == [(DAY, later)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digest-2026-11-20.html", "digest-2026-11-20.md"]


def test_missing_days_are_those_due_without_a_digest(db: sessionmaker[Session], tmp_path: Path) -> None:
    settings = digest_settings(out_dir=str(tmp_path))
    with db() as session:
        assert missing_digest_days(session, settings, NOW) == []  # a new install owes nothing
    with transaction(db) as session:
        session.add(Source(name="city-forum", kind="rss", url="https://bbs.example.cn/", site="bbs.example.cn",
                           consecutive_failures=0, created_at=local(DAY - timedelta(days=2), 15)))
    with db() as session:
        assert missing_digest_days(session, settings, NOW) == [date(2026, 11, 18), date(2026, 11, 19), DAY]
        before_time = local(DAY + timedelta(days=1), 7, 59)  # 08:00 is digest.time: the 20th is not due yet
        assert missing_digest_days(session, settings, before_time) == [date(2026, 11, 18), date(2026, 11, 19)]
        far = NOW + timedelta(days=30)  # after a long outage, at most a week is caught up
        assert len(missing_digest_days(session, settings, far)) == 7


def test_run_digest_catches_up_and_sends_only_the_latest(
    db: sessionmaker[Session], tmp_path: Path, receiver
) -> None:
    build_world(db)
    hook_receiver = receiver("webhook")
    base = digest_settings(out_dir=str(tmp_path))
    hook = {"name": "office-hook", "kind": "webhook", "url": hook_receiver.url}
    settings = Settings.model_validate({**base.model_dump(), "channels": [hook]})
    with transaction(db) as session:
        session.add(Digest(day=DAY - timedelta(days=3), figures={}))
    summary = run_digest(settings, db, now=NOW)
    days = [r.day for r in summary.reports]
    assert days == [DAY - timedelta(days=n) for n in (6, 5, 4, 2, 1, 0)]  # the world starts 30 days back
    assert all(r.html_path.exists() for r in summary.reports)
    sent: list[dict[str, Any]] = hook_receiver.jsons()
    assert [(doc["event"], doc["day"]) for doc in sent] == [("digest.ready", "2026-11-20")]
    assert str(summary.reports[-1].html_path.resolve()) in sent[0]["text"]
    assert summary.reports[-1].results[0].status == "sent"
    assert run_digest(settings, db, now=NOW).reports == []
    assert str(run_digest(settings, db, now=NOW)) == "digest: nothing due"
