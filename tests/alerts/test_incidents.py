"""Deadlines (category-aware), their state, and the allowed handling steps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from yuqing.alerts.incidents import (
    IncidentStateError,
    check_ack,
    check_close,
    check_deadline,
    check_respond,
    compute_deadlines,
)
from yuqing.config.settings import DeadlineSettings

T0 = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)


@dataclass
class FakeIncident:
    id: int = 7
    status: str = "open"
    opened_at: datetime = T0
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    responded_at: datetime | None = None
    closed_at: datetime | None = None


def test_facts_deadline_only_for_emergency_stories() -> None:
    d = compute_deadlines(DeadlineSettings(), T0, "emergency")
    assert d == {"report_by": T0 + timedelta(minutes=30), "facts_by": T0 + timedelta(hours=2),
                 "respond_by": T0 + timedelta(hours=12)}
    assert compute_deadlines(DeadlineSettings(), T0, "problem")["facts_by"] is None


def test_deadline_is_near_at_80_percent_then_missed_unless_met() -> None:
    due = T0 + timedelta(minutes=30)
    incident = FakeIncident()
    states = [check_deadline(incident, "report_by", due, T0, T0 + timedelta(minutes=m), 0.8).state
              for m in (10, 23, 24, 30)]
    assert states == ["pending", "pending", "near", "missed"]
    incident.acknowledged_at = T0 + timedelta(minutes=5)
    assert check_deadline(incident, "report_by", due, T0, T0 + timedelta(hours=1), 0.8).state == "met"
    assert check_deadline(incident, "respond_by", T0 + timedelta(hours=12), T0, T0 + timedelta(hours=13),
                          0.8).state == "missed"


def test_wrong_transitions_are_refused_with_the_next_step_named() -> None:
    incident = FakeIncident()
    with pytest.raises(IncidentStateError, match="yuqing ack 7"):
        check_respond(incident)
    with pytest.raises(IncidentStateError, match="never acknowledged"):
        check_close(incident)
    check_ack(incident)
    incident.acknowledged_at, incident.acknowledged_by = T0, "王科长"
    with pytest.raises(IncidentStateError, match="already acknowledged by 王科长"):
        check_ack(incident)
    incident.status = "closed"
    with pytest.raises(IncidentStateError, match="already closed"):
        check_close(incident)
