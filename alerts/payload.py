"""Alerting stage, pure: the facts of a story and an event in → the docs/spec.md §9 JSON payload out.

Every time is written ISO 8601 with the offset of the digest timezone (+08:00 by default).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from yuqing.config.types import CATEGORY_LABELS, TIER_LABELS

EVENTS = (
    "story.tier_raised",
    "incident.deadline_near",
    "incident.deadline_missed",
    "story.subsided",
    "story.recurred",
    "digest.ready",
    "test",
    "source.blocked",
    "story.copy_deleted",
)
STORYLESS_EVENTS = ("test", "source.blocked")  # events about no story: no spread figures to show
METRIC_KEYS = ("sites", "posts", "clicks_24h", "reposts", "clicks_per_hour")
_UID_NAMESPACE = uuid.UUID("6f1c2a52-3b0e-4d56-9a43-7c1e5b2f9d10")


@dataclass(frozen=True)
class StoryFacts:
    """What an alert says about its story, read once when the alert is raised."""

    story_id: int
    title: str
    summary: str
    category: str | None
    schemes: list[str]
    negativity: float
    sites: list[str]
    urls: list[str]
    first_url: str | None
    first_seen_at: datetime
    metrics: dict[str, Any] = field(default_factory=dict)


def alert_uid(dedupe_key: str) -> str:
    """The stable id of an alert: the same dedupe key always gives the same id."""
    return str(uuid.uuid5(_UID_NAMESPACE, dedupe_key))


def format_time(moment: datetime | None, timezone: str) -> str | None:
    """ISO 8601 with the offset of `timezone`, to the second; None stays None."""
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(timezone)).isoformat(timespec="seconds")


def format_local(moment: datetime | None, timezone: str, pattern: str = "%m-%d %H:%M") -> str:
    """`moment` in `timezone` as `pattern` (month-day hour:minute by default), for people; "—" for None."""
    if moment is None:
        return "—"
    return moment.astimezone(ZoneInfo(timezone)).strftime(pattern)


def build_payload(
    event: str,
    *,
    uid: str,
    facts: StoryFacts,
    tier: str | None,
    previous_tier: str | None,
    reason: str,
    detected_at: datetime,
    deadlines: dict[str, datetime | None],
    guidance: str | None,
    timezone: str,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON document of docs/spec.md §9 for one event about one story."""
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}")
    category = facts.category
    payload: dict[str, Any] = {
        "event": event,
        "id": uid,
        "story_id": facts.story_id,
        "tier": tier,
        "tier_label": TIER_LABELS.get(tier or "", None),
        "previous_tier": previous_tier,
        "title": facts.title,
        "summary": facts.summary,
        "category": category,
        "category_label": CATEGORY_LABELS.get(category or "", None),
        "guidance": guidance,
        "schemes": list(facts.schemes),
        "negativity": round(float(facts.negativity), 4),
        "metrics": {key: facts.metrics.get(key, 0) for key in METRIC_KEYS},
        "sites": list(facts.sites),
        "urls": list(facts.urls),
        "first_url": facts.first_url,
        "first_seen_at": format_time(facts.first_seen_at, timezone),
        "detected_at": format_time(detected_at, timezone),
        "deadlines": {
            name: format_time(due, timezone) for name, due in deadlines.items() if due is not None
        },
        "reason": reason,
    }
    payload.update(extra or {})
    return payload


def build_test_payload(uid: str, channel: str, now: datetime, timezone: str) -> dict[str, Any]:
    """A `test` event with every field filled, for `yuqing alerts test`."""
    facts = StoryFacts(
        story_id=0, title="yuqing 测试消息 (test message)",
        summary=f"这是发往通道 {channel} 的测试消息, 无需处置。This is a test; nothing to do.",
        category=None, schemes=[], negativity=0.0, sites=[], urls=[], first_url=None,
        first_seen_at=now,
    )
    return build_payload(
        "test", uid=uid, facts=facts, tier=None, previous_tier=None,
        reason="yuqing alerts test", detected_at=now, deadlines={}, guidance=None, timezone=timezone,
    )
