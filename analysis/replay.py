"""Analysis stage, replay: a story's stored posts and snapshots + thresholds → the tier raises they imply.

Pure. The story is re-tiered at every moment something was observed (a post first seen, a
snapshot taken), with the same metrics and rules as the live job, so an office can see which
alerts other thresholds would have raised, and when, before it changes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from yuqing.analysis.metrics import PostFacts, compute_metrics, judge_story
from yuqing.analysis.tiers import classify_tier, raise_tier
from yuqing.config.settings import TierSettings


@dataclass(frozen=True)
class ReplayedChange:
    """A tier the story would have reached at `at`, from `previous`, and why."""

    at: datetime
    tier: str
    previous: str | None
    reason: str
    metrics: dict[str, Any]


def observation_times(members: list[PostFacts], end: datetime) -> list[datetime]:
    """Every moment up to `end` at which the story's figures could have changed, in order."""
    moments = {p.first_seen_at for p in members} | {o.at for p in members for o in p.observations}
    return sorted(t for t in moments if t <= end)


def replay_story(
    members: list[PostFacts], rules: TierSettings, start: datetime, end: datetime
) -> list[ReplayedChange]:
    """Tier raises the story would have had under `rules`, those at or after `start` listed."""
    tier: str | None = None
    changes: list[ReplayedChange] = []
    for moment in observation_times(members, end):
        present = [p for p in members if p.first_seen_at <= moment]
        metrics = compute_metrics(present, moment)
        opinion = judge_story(present, rules.negative_threshold)
        decision = raise_tier(tier, classify_tier(metrics, opinion.negative, opinion.relevant, rules))
        if decision is None or decision.tier is None:
            continue
        if moment >= start:
            figures = metrics.as_dict() | {"negativity": opinion.negativity}
            figures.pop("timeline", None)
            changes.append(ReplayedChange(moment, decision.tier, tier, decision.reason, figures))
        tier = decision.tier
    return changes
