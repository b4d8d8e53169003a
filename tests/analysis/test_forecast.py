"""Forecast: the projected time to the next tier from recent growth."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tests.analysis.test_tiers import figures
from yuqing.analysis.forecast import forecast_tier
from yuqing.config.settings import TierSettings

RULES = TierSettings()
AT = datetime(2026, 11, 21, tzinfo=UTC)


def test_clicks_growth_projects_the_next_tier() -> None:
    m = replace(figures(2, 6_001), clicks_per_hour=2_000)
    f = forecast_tier(m, "significant", True, True, RULES)
    assert f is not None and (f.tier, f.via, f.hours) == ("major", "clicks_24h", 2.0)
    assert f.eta == AT + timedelta(hours=2)
    assert f.text == "预计约 2 小时后达到重大"
    assert f.as_dict()["tier_label"] == "重大"


def test_reposts_path_wins_when_faster_and_one_site_cannot_use_clicks() -> None:
    m = replace(figures(1, 9_000, reposts=280), clicks_per_hour=100_000, reposts_per_hour=42)
    f = forecast_tier(m, "significant", True, True, RULES)
    assert f is not None and f.via == "reposts" and f.text == "预计约 30 分钟后达到重大"


def test_quiet_last_hour_falls_back_to_six_hours_and_far_or_no_growth_gives_none() -> None:
    m = replace(figures(2, 500), clicks_per_hour_6h=100)
    f = forecast_tier(m, None, True, True, RULES)
    assert f is not None and f.tier == "significant" and f.hours == 5.01 and f.text == "预计约 5 小时后达到较大"
    assert forecast_tier(replace(figures(2, 500), clicks_per_hour=10), None, True, True, RULES) is None
    assert forecast_tier(figures(2, 500), None, True, True, RULES) is None
    assert forecast_tier(replace(figures(2, 500), clicks_per_hour=1e6), "critical", True, True, RULES) is None
    assert forecast_tier(replace(figures(2, 500), clicks_per_hour=1e6), None, False, True, RULES) is None
