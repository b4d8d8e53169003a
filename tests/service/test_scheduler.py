"""The job table: one job per enabled source, the pipeline, the digest at its local time, retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from yuqing.config.loading import parse_settings
from yuqing.config.settings import Settings
from yuqing.service.scheduler import DueSources, backoff_wait, job_table

NOW = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def _settings(tmp_path: Path, **extra: object) -> Settings:
    data = {
        "sources": [
            {"name": "news", "kind": "rss", "url": "http://127.0.0.1/rss", "interval": "5m"},
            {"name": "bbs", "kind": "discuz", "url": "http://127.0.0.1/bbs", "interval": "30s"},
            {"name": "off", "kind": "rss", "url": "http://127.0.0.1/off", "enabled": False},
        ],
        "service": {"jitter": "7s", "pipeline_interval": "1m"},
        "digest": {"time": "08:30", "timezone": "Asia/Shanghai"},
        **extra,
    }
    return parse_settings(data, base_dir=tmp_path, origin="test")


def test_the_table_has_a_job_per_enabled_source_and_the_service_jobs(tmp_path: Path) -> None:
    specs = {spec.id: spec for spec in job_table(_settings(tmp_path), NOW)}
    assert list(specs) == ["collector.collect:news", "collector.collect:bbs", "collector.collect",
                           "pipeline.process", "alerts.digest", "service.retention"]
    news, bbs = specs["collector.collect:news"], specs["collector.collect:bbs"]
    assert (news.source, news.run) == ("news", None)
    assert news.trigger.interval == timedelta(minutes=5) and news.trigger.jitter == 7
    assert bbs.trigger.interval == timedelta(seconds=30) and bbs.grace == timedelta(seconds=30)
    assert specs["collector.collect"].trigger.interval == timedelta(seconds=1)
    first = news.trigger.get_next_fire_time(None, NOW)
    assert NOW < first <= NOW + timedelta(seconds=1 + 7)
    digest_at = specs["alerts.digest"].trigger.get_next_fire_time(None, NOW)
    assert digest_at.astimezone(UTC) == datetime(2026, 11, 21, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
    without_sources = [spec.id for spec in job_table(parse_settings({}, base_dir=tmp_path, origin="t"), NOW)]
    assert without_sources == ["pipeline.process", "alerts.digest", "service.retention"]


def test_due_sources_are_taken_oldest_first_and_once() -> None:
    due = DueSources()
    for name in ("a", "b", "a", "c"):
        due.add(name)
    assert len(due) == 3
    assert due.take(2) == ["a", "b"]
    due.add("a")
    assert due.take(10) == ["c", "a"] and due.take(10) == []


def test_jitter_delays_each_poll_without_stretching_the_interval(tmp_path: Path) -> None:
    settings = _settings(tmp_path, service={"jitter": "5s", "pipeline_interval": "1m"},
                         sources=[{"name": "bbs", "kind": "discuz", "url": "http://127.0.0.1/bbs", "interval": "10s"}])
    trigger = job_table(settings, NOW)[0].trigger
    start = NOW + timedelta(seconds=1)
    fire = trigger.get_next_fire_time(None, NOW)
    fires = []
    for _ in range(1000):  # how APScheduler walks a job's trigger: from the previous (jittered) fire
        fires.append(fire)
        fire = trigger.get_next_fire_time(fire, fire)
    for k, at in enumerate(fires):  # the k-th poll is within the jitter after the k-th grid point
        assert start + timedelta(seconds=10 * k) <= at <= start + timedelta(seconds=10 * k + 5)
    assert len({at.microsecond for at in fires}) > 900  # the delays are random, not one fixed phase
    late = trigger.get_next_fire_time(None, start + timedelta(seconds=95))  # first fire after a late start
    assert start + timedelta(seconds=100) <= late <= start + timedelta(seconds=105)


def test_jitter_is_capped_at_half_the_interval(tmp_path: Path) -> None:
    settings = _settings(tmp_path, service={"jitter": "10s", "pipeline_interval": "1m"},
                         sources=[{"name": "bbs", "kind": "discuz", "url": "http://127.0.0.1/bbs", "interval": "10s"}])
    trigger = job_table(settings, NOW)[0].trigger
    assert trigger.jitter == 5
    fire = trigger.get_next_fire_time(None, NOW)
    for k in range(200):
        grid = NOW + timedelta(seconds=1 + 10 * k)
        assert grid <= fire <= grid + timedelta(seconds=5)
        fire = trigger.get_next_fire_time(fire, fire)


def test_a_failing_source_waits_for_its_backoff_less_the_jitter(tmp_path: Path) -> None:
    settings = _settings(tmp_path)  # jitter 7 s: a run may come up to 8 s before the backoff ends
    later = NOW + timedelta(minutes=4)
    assert backoff_wait(settings, 3, later, NOW) == "backing off after 3 failures until 01:04:00 UTC"
    assert backoff_wait(settings, 3, later, later - timedelta(seconds=8)) is None
    assert backoff_wait(settings, 0, later, NOW) is None  # not failing: its schedule alone decides
    assert backoff_wait(settings, 3, None, NOW) is None
