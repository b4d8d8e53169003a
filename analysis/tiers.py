"""Analysis stage, tiering (docs/spec.md §3): story metrics + negativity + relevance → tier and its reason.

Pure. The highest rule that holds wins; a tier never goes down (`raise_tier`).
"""

from __future__ import annotations

from dataclasses import dataclass

from yuqing.analysis.metrics import StoryMetrics
from yuqing.config.settings import TierRule, TierSettings
from yuqing.config.types import TIER_ORDER, tier_rank

RULED_TIERS = ("critical", "major", "significant")  # highest first


@dataclass(frozen=True)
class TierDecision:
    """The tier a story's figures warrant now (None: no tier), with a one-line reason."""

    tier: str | None
    reason: str


def _n(value: int) -> str:
    return f"{value:,}"


def rule_reason(metrics: StoryMetrics, rule: TierRule) -> str | None:
    """The reason the rule holds ("sites 3 ≥ 2 and clicks_24h 12,430 > 10,000"), or None."""
    sites = len(metrics.sites)
    if sites >= rule.min_sites and metrics.clicks_24h > rule.clicks_24h:
        return (f"sites {sites} ≥ {rule.min_sites} and clicks_24h {_n(metrics.clicks_24h)}"
                f" > {_n(rule.clicks_24h)}")
    if metrics.reposts > rule.reposts:
        return f"reposts {_n(metrics.reposts)} > {_n(rule.reposts)}"
    if rule.likes is not None and metrics.likes > rule.likes:  # off unless configured
        return f"likes {_n(metrics.likes)} > {_n(rule.likes)}"
    return None


def classify_tier(metrics: StoryMetrics, negative: bool, relevant: bool, rules: TierSettings) -> TierDecision:
    """The highest tier whose rule holds for a relevant negative story; general otherwise."""
    if not relevant:
        return TierDecision(None, "not relevant: no scheme matches its posts")
    if not negative:
        return TierDecision(None, "not negative")
    for tier in RULED_TIERS:
        reason = rule_reason(metrics, getattr(rules, tier))
        if reason:
            return TierDecision(tier, reason)
    return TierDecision("general", "relevant negative story")


def raise_tier(current: str | None, decision: TierDecision) -> TierDecision | None:
    """The decision if it raises the current tier, else None: a tier never goes down."""
    if decision.tier is not None and tier_rank(decision.tier) > tier_rank(current):
        return decision
    return None


def next_tier(current: str | None) -> str | None:
    """The tier after `current` that a rule can reach (significant after none or general)."""
    rank = max(tier_rank(current), tier_rank("general"))
    return TIER_ORDER[rank] if rank < len(TIER_ORDER) else None
