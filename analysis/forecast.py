"""Analysis stage, forecast: a story's figures and recent growth → when it will reach the next tier.

Pure. Linear in the last hour's growth (the last six hours' when the last hour is quiet);
an early warning, not a promise: clicks_24h also loses what falls out of its window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from yuqing.analysis.metrics import StoryMetrics
from yuqing.analysis.tiers import next_tier
from yuqing.config.settings import TierSettings
from yuqing.config.types import TIER_LABELS

HORIZON = timedelta(hours=24)  # beyond this a linear projection says nothing useful


@dataclass(frozen=True)
class Forecast:
    """The next tier, when it is projected to be reached, along which figure, at what rate."""

    tier: str
    eta: datetime
    hours: float
    via: str  # "clicks_24h" | "reposts"
    rate: float  # per hour

    @property
    def text(self) -> str:
        """"预计约 2 小时后达到重大" — the line shown with the story."""
        minutes = self.hours * 60
        if minutes < 60:
            when = f"{max(5, round(minutes / 5) * 5)} 分钟"
        elif self.hours < 10:
            when = f"{round(self.hours * 2) / 2:g} 小时"
        else:
            when = f"{round(self.hours)} 小时"
        return f"预计约 {when}后达到{TIER_LABELS[self.tier]}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready shape stored in Story.forecast and printed by `yuqing stories --json`."""
        return {
            "tier": self.tier, "tier_label": TIER_LABELS[self.tier], "eta": self.eta.isoformat(),
            "hours": round(self.hours, 2), "via": self.via, "rate": round(self.rate, 1),
            "text": self.text,
        }


def _rate(per_hour: float, per_hour_6h: float) -> float:
    return per_hour if per_hour > 0 else per_hour_6h


def forecast_tier(
    metrics: StoryMetrics, tier: str | None, negative: bool, relevant: bool, rules: TierSettings
) -> Forecast | None:
    """When a relevant negative story at `tier` reaches the next tier at its recent pace, if within 24 h."""
    target = next_tier(tier)
    if target is None or not (negative and relevant):
        return None
    rule = getattr(rules, target)
    options: list[tuple[float, str, float]] = []
    clicks_rate = _rate(metrics.clicks_per_hour, metrics.clicks_per_hour_6h)
    if len(metrics.sites) >= rule.min_sites and clicks_rate > 0:
        missing = rule.clicks_24h + 1 - metrics.clicks_24h
        options.append((max(0.0, missing / clicks_rate), "clicks_24h", clicks_rate))
    reposts_rate = _rate(metrics.reposts_per_hour, metrics.reposts_per_hour_6h)
    if reposts_rate > 0:
        missing = rule.reposts + 1 - metrics.reposts
        options.append((max(0.0, missing / reposts_rate), "reposts", reposts_rate))
    if not options:
        return None
    hours, via, rate = min(options)
    if timedelta(hours=hours) > HORIZON:
        return None
    return Forecast(tier=target, eta=metrics.at + timedelta(hours=hours), hours=hours, via=via, rate=rate)
