"""Tier rules at every boundary (docs/spec.md §3), their reasons, and tiers that never go down."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from yuqing.analysis.metrics import StoryMetrics
from yuqing.analysis.tiers import TierDecision, classify_tier, next_tier, raise_tier
from yuqing.config.settings import TierSettings

RULES = TierSettings()
AT = datetime(2026, 11, 21, tzinfo=UTC)


def figures(sites: int, clicks: int, reposts: int = 0) -> StoryMetrics:
    return StoryMetrics(
        at=AT, sites=[f"s{i}.cn" for i in range(sites)], posts=max(1, sites), clicks_24h=clicks,
        reposts=reposts, clicks_per_hour=0, clicks_per_hour_6h=0, reposts_per_hour=0,
        reposts_per_hour_6h=0, first_post_id=1, first_site="s0.cn", first_url=None, first_seen_at=AT,
    )


@pytest.mark.parametrize(("sites", "clicks", "reposts", "tier", "reason"), [
    (2, 1_000, 0, "general", "relevant negative story"),
    (2, 1_001, 0, "significant", "sites 2 ≥ 2 and clicks_24h 1,001 > 1,000"),
    (1, 1_001, 0, "general", "relevant negative story"),
    (1, 60_000, 0, "general", "relevant negative story"),
    (2, 10_000, 0, "significant", "sites 2 ≥ 2 and clicks_24h 10,000 > 1,000"),
    (3, 12_430, 0, "major", "sites 3 ≥ 2 and clicks_24h 12,430 > 10,000"),
    (2, 50_000, 0, "major", "sites 2 ≥ 2 and clicks_24h 50,000 > 10,000"),
    (2, 50_001, 0, "critical", "sites 2 ≥ 2 and clicks_24h 50,001 > 50,000"),
    (1, 0, 100, "general", "relevant negative story"),
    (1, 0, 101, "significant", "reposts 101 > 100"),
    (1, 0, 300, "significant", "reposts 300 > 100"),
    (1, 0, 320, "major", "reposts 320 > 300"),
    (1, 0, 501, "critical", "reposts 501 > 500"),
    (2, 1_001, 320, "major", "reposts 320 > 300"),
    (2, 12_430, 320, "major", "sites 2 ≥ 2 and clicks_24h 12,430 > 10,000"),
])
def test_the_highest_rule_that_holds_wins(sites: int, clicks: int, reposts: int, tier: str, reason: str) -> None:
    assert classify_tier(figures(sites, clicks, reposts), True, True, RULES) == TierDecision(tier, reason)


def test_min_sites_and_thresholds_come_from_the_configuration() -> None:
    rules = TierSettings.model_validate({"significant": {"clicks_24h": 10, "reposts": 5, "min_sites": 3}})
    assert classify_tier(figures(2, 11), True, True, rules).tier == "general"
    assert classify_tier(figures(3, 11), True, True, rules).reason == "sites 3 ≥ 3 and clicks_24h 11 > 10"
    assert classify_tier(figures(1, 0, 6), True, True, rules).reason == "reposts 6 > 5"


@pytest.mark.parametrize(("negative", "relevant"), [(False, True), (True, False), (False, False)])
def test_only_relevant_negative_stories_get_a_tier(negative: bool, relevant: bool) -> None:
    decision = classify_tier(figures(5, 1_000_000, 10_000), negative, relevant, RULES)
    assert decision.tier is None and decision.reason


def test_a_tier_never_goes_down_and_a_jump_is_one_raise() -> None:
    major = TierDecision("major", "sites 3 ≥ 2 and clicks_24h 12,430 > 10,000")
    assert raise_tier("general", major) == major
    assert raise_tier(None, major) == major
    assert raise_tier("major", major) is None
    assert raise_tier("critical", major) is None
    assert raise_tier("major", TierDecision(None, "not negative")) is None


def test_next_tier() -> None:
    assert [next_tier(t) for t in (None, "general", "significant", "major", "critical")] == [
        "significant", "significant", "major", "critical", None]
