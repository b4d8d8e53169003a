"""Routing per scheme and min_tier, escalation, quiet hours, backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from yuqing.alerts.routing import backoff, escalation, holdable, quiet_until, route
from yuqing.config.settings import Settings


def settings() -> Settings:
    return Settings.model_validate({
        "channels": [
            {"name": "office-hook", "kind": "webhook", "url": "http://127.0.0.1/a", "min_tier": "general"},
            {"name": "health-hook", "kind": "webhook", "url": "http://127.0.0.1/b"},
            {"name": "leaders", "kind": "log", "min_tier": "critical"},
            {"name": "night", "kind": "log", "quiet_hours": "22:00-07:00"},
        ],
        "groups": {"office": ["office-hook"]},
        "schemes": [
            {"name": "交通局", "query": "交通局", "recipients": ["office"], "escalate_to": ["leaders"]},
            {"name": "卫健委", "query": "卫健委", "recipients": ["health-hook"]},
            {"name": "全部", "query": "局"},
        ],
    })


def names(channels: list) -> list[str]:
    return [c.name for c in channels]


def test_each_scheme_reaches_its_own_recipients_filtered_by_min_tier() -> None:
    s = settings()
    assert names(route(s, ["交通局"], "general")) == ["office-hook"]
    assert names(route(s, ["卫健委"], "significant")) == ["health-hook"]
    assert names(route(s, ["卫健委"], "general")) == []  # below health-hook's min_tier
    assert names(route(s, ["交通局", "卫健委"], "major")) == ["office-hook", "health-hook"]


def test_a_scheme_without_recipients_or_no_scheme_means_every_channel() -> None:
    s = settings()
    assert names(route(s, ["全部"], "critical")) == ["office-hook", "health-hook", "leaders", "night"]
    assert names(route(s, [], "significant")) == ["office-hook", "health-hook", "night"]
    assert names(route(s, ["removed-scheme"], "significant")) == ["office-hook", "health-hook", "night"]


def test_escalation_adds_the_next_level_whatever_its_min_tier() -> None:
    assert names(escalation(settings(), ["交通局"], "significant")) == ["office-hook", "leaders"]


def test_quiet_hours_wrap_midnight_in_the_channel_timezone() -> None:
    night = settings().channels[3]
    # 23:30 in Shanghai = 15:30 UTC: quiet until 07:00 Shanghai next morning = 23:00 UTC
    until = quiet_until(night, datetime(2026, 11, 21, 15, 30, tzinfo=UTC), "Asia/Shanghai")
    assert until == datetime(2026, 11, 21, 23, 0, tzinfo=UTC)
    # 06:00 Shanghai = 22:00 UTC the day before: quiet until 07:00 the same morning
    assert quiet_until(night, datetime(2026, 11, 21, 22, 0, tzinfo=UTC), "Asia/Shanghai") == datetime(
        2026, 11, 21, 23, 0, tzinfo=UTC)
    assert quiet_until(night, datetime(2026, 11, 21, 4, 0, tzinfo=UTC), "Asia/Shanghai") is None  # 12:00


def test_only_tiers_below_major_can_be_held() -> None:
    assert holdable("general") and holdable("significant")
    assert not holdable("major") and not holdable("critical") and not holdable(None)


def test_backoff_doubles_from_30s_to_a_10_minute_cap() -> None:
    assert [backoff(n) for n in (1, 2, 3)] == [timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2)]
    assert backoff(6) == timedelta(minutes=10) and backoff(500) == timedelta(minutes=10)
