"""Alerting stage, pure: which queued alerts of one channel may go now, and in what order.

A channel's outbox is split into lanes, one per story (alerts about no story share one lane).
Within a lane order is strict: an alert backing off holds back the later alerts of its story.
Lanes do not wait for each other: the lane holding the highest tier goes first, ties by age,
so a story the receiver keeps refusing never delays another story's alert.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, TypeVar

from yuqing.config.types import TIER_ORDER, tier_rank


class Queued(Protocol):
    """What the ordering needs to know of an unsent alert."""

    @property
    def id(self) -> int: ...
    @property
    def story_id(self) -> int | None: ...
    @property
    def status(self) -> str: ...
    @property
    def tier(self) -> str | None: ...
    @property
    def next_attempt_at(self) -> datetime: ...


Q = TypeVar("Q", bound=Queued)


def due_lanes(items: list[Q], now: datetime) -> list[list[Q]]:
    """The alerts of one channel that may be sent at `now`, as lanes in the order to send them.

    In: the channel's unsent alerts in creation order. Out: per story, the due alerts up to the
    first one backing off (held alerts are skipped, they block nothing); lanes sorted by their
    highest tier, then by their oldest alert.
    """
    lanes: dict[int | None, list[Q]] = {}
    blocked: set[int | None] = set()
    for item in items:
        lane = item.story_id
        if lane in blocked:
            continue
        if item.next_attempt_at > now:
            if item.status != "held":  # held for quiet hours: does not block what may go now
                blocked.add(lane)  # backing off: the story's later alerts wait, so its order is kept
            continue
        lanes.setdefault(lane, []).append(item)
    return sorted(lanes.values(), key=lambda lane: (-max(_rank(i.tier) for i in lane), lane[0].id))


def _rank(tier: str | None) -> int:
    return tier_rank(tier) if tier in TIER_ORDER else 0  # no tier, or one no longer known: last
