"""Likes (点赞) as an engagement figure: summed from the posts' latest counts, and a tier rule that is off
unless configured (docs/spec.md §3's default rules are unchanged)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.analysis.test_tiers import figures
from yuqing.analysis.metrics import Observation, PostFacts, compute_metrics
from yuqing.analysis.tiers import classify_tier
from yuqing.config.errors import ConfigError
from yuqing.config.loading import parse_settings
from yuqing.config.settings import TierSettings

AT = datetime(2026, 11, 21, 12, tzinfo=UTC)


def test_likes_are_the_latest_like_counts_of_the_posts_and_copies_add_none() -> None:
    weibo = PostFacts(post_id=1, site="weibo.example", url="u1", title="t", published_at=AT - timedelta(hours=3),
                      first_seen_at=AT - timedelta(hours=2), observations=(
                          Observation(AT - timedelta(hours=2), reposts=10, likes=300),
                          Observation(AT - timedelta(hours=1), reposts=40, likes=900)))
    board = PostFacts(post_id=2, site="bbs.example", url="u2", title="t", published_at=None,
                      first_seen_at=AT - timedelta(hours=1), observations=(Observation(AT - timedelta(hours=1), 50, 2),))
    metrics = compute_metrics([weibo, board], AT)
    assert metrics.likes == 900
    assert metrics.reposts == 40 + 1  # the board copy counts as a repost, not as a like
    assert metrics.as_dict()["likes"] == 900
    assert compute_metrics([weibo], AT - timedelta(minutes=90)).likes == 300  # "as of" a moment


def test_the_likes_rule_is_off_by_default() -> None:
    rules = TierSettings()
    assert [getattr(rules, t).likes for t in ("significant", "major", "critical")] == [None, None, None]
    assert classify_tier(replace(figures(1, 0), likes=10_000_000), True, True, rules).tier == "general"


def test_a_configured_likes_rule_holds_after_the_contract_rules() -> None:
    rules = TierSettings.model_validate({"significant": {"clicks_24h": 1000, "reposts": 100, "likes": 5000},
                                         "major": {"clicks_24h": 10000, "reposts": 300, "likes": 20000}})
    decision = classify_tier(replace(figures(1, 0), likes=20_001), True, True, rules)
    assert (decision.tier, decision.reason) == ("major", "likes 20,001 > 20,000")
    assert classify_tier(replace(figures(1, 0, 101), likes=6_000), True, True, rules).reason == "reposts 101 > 100"
    assert classify_tier(replace(figures(1, 0), likes=5_000), True, True, rules).tier == "general"


def test_likes_thresholds_must_rise_where_they_are_set(tmp_path) -> None:
    with pytest.raises(ConfigError, match="likes must rise"):
        parse_settings({"tiers": {"significant": {"clicks_24h": 1000, "reposts": 100, "likes": 900},
                                  "critical": {"clicks_24h": 50000, "reposts": 500, "likes": 800}}},
                       base_dir=tmp_path, origin="test")
