"""Which queued alerts of a channel may go now, and in what order (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from yuqing.alerts.lanes import due_lanes

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=1)


@dataclass(frozen=True)
class Item:
    id: int
    story_id: int | None
    tier: str | None
    next_attempt_at: datetime = NOW
    status: str = "pending"


def ids(lanes: list[list[Item]]) -> list[list[int]]:
    return [[i.id for i in lane] for lane in lanes]


def test_one_lane_per_story_highest_tier_first_then_oldest() -> None:
    items = [Item(1, 10, "general"), Item(2, 20, "significant"), Item(3, 10, "critical"),
             Item(4, 30, "significant"), Item(5, None, None)]
    assert ids(due_lanes(items, NOW)) == [[1, 3], [2], [4], [5]]


def test_a_story_backing_off_holds_back_only_its_own_later_alerts() -> None:
    items = [Item(1, 10, "critical", next_attempt_at=LATER), Item(2, 20, "general"), Item(3, 10, "critical")]
    assert ids(due_lanes(items, NOW)) == [[2]]
    assert ids(due_lanes(items, LATER)) == [[1, 3], [2]]


def test_held_alerts_block_nothing_and_unknown_tiers_go_last() -> None:
    items = [Item(1, 10, "general", next_attempt_at=LATER, status="held"), Item(2, 10, "major"),
             Item(3, 20, "retired-tier")]
    assert ids(due_lanes(items, NOW)) == [[2], [3]]
    assert due_lanes([], NOW) == []
