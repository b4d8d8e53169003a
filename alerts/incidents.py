"""Alerting stage, pure: the incident lifecycle of docs/spec.md §6 — deadlines, their state, and which
handling step is allowed from which status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from yuqing.config.errors import YuqingError
from yuqing.config.settings import DeadlineSettings

STATUSES = ("open", "acknowledged", "responded", "subsided", "closed", "recurred")
ACTIVE = ("open", "acknowledged", "responded", "recurred")  # deadlines are watched, growth too
DEADLINES = ("report_by", "facts_by", "respond_by")
DEADLINE_LABELS = {"report_by": "快报 (report)", "facts_by": "发布事实 (facts)", "respond_by": "正面回复 (response)"}


class IncidentNotFoundError(YuqingError):
    """No incident has that id."""


class IncidentStateError(YuqingError):
    """A handling step that the incident's status does not allow (CLI exit 2)."""


class IncidentLike(Protocol):
    """The fields of an incident these rules read."""

    id: int
    status: str
    opened_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    responded_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True)
class DeadlineCheck:
    """One deadline of an incident and where it stands at a moment."""

    name: str
    due_at: datetime
    state: str  # pending | near | missed | met


def compute_deadlines(
    settings: DeadlineSettings, start: datetime, category: str | None
) -> dict[str, datetime | None]:
    """Deadlines counted from detection; `facts_by` only for an `emergency` story (docs/spec.md §5)."""
    return {
        "report_by": start + settings.report,
        "facts_by": start + settings.emergency_facts if category == "emergency" else None,
        "respond_by": start + settings.respond,
    }


def deadline_met(incident: IncidentLike, name: str) -> bool:
    """`report_by` is met by `ack`; `facts_by` and `respond_by` by `respond`."""
    return (incident.acknowledged_at if name == "report_by" else incident.responded_at) is not None


def check_deadline(
    incident: IncidentLike, name: str, due_at: datetime, start: datetime, now: datetime, near: float
) -> DeadlineCheck:
    """Whether a deadline is met, missed, near (`near` share of its time used) or still pending."""
    if deadline_met(incident, name):
        state = "met"
    elif now >= due_at:
        state = "missed"
    elif now >= start + timedelta(seconds=(due_at - start).total_seconds() * near):
        state = "near"
    else:
        state = "pending"
    return DeadlineCheck(name=name, due_at=due_at, state=state)


def resting_status(incident: IncidentLike) -> str:
    """The status an incident that grows again goes back to, from its record."""
    if incident.responded_at is not None:
        return "responded"
    return "acknowledged" if incident.acknowledged_at is not None else "open"


def check_ack(incident: IncidentLike) -> None:
    """Raise IncidentStateError unless the incident can be acknowledged."""
    if incident.status == "closed":
        raise IncidentStateError(f"incident {incident.id} is closed; nothing to acknowledge")
    if incident.acknowledged_at is not None:
        raise IncidentStateError(
            f"incident {incident.id} was already acknowledged by {incident.acknowledged_by} "
            f"at {incident.acknowledged_at:%Y-%m-%d %H:%M} UTC"
        )


def check_respond(incident: IncidentLike) -> None:
    """Raise IncidentStateError unless an official response can be recorded."""
    if incident.status == "closed":
        raise IncidentStateError(f"incident {incident.id} is closed; it cannot take a response")
    if incident.acknowledged_at is None:
        raise IncidentStateError(
            f"incident {incident.id} is not acknowledged yet; run `yuqing ack {incident.id} --by NAME` first"
        )
    if incident.responded_at is not None:
        raise IncidentStateError(f"incident {incident.id} already has its response recorded")


def check_close(incident: IncidentLike) -> None:
    """Raise IncidentStateError unless the incident can be closed with its evaluation."""
    if incident.status == "closed":
        raise IncidentStateError(f"incident {incident.id} is already closed")
    if incident.acknowledged_at is None:
        raise IncidentStateError(
            f"incident {incident.id} was never acknowledged; run `yuqing ack {incident.id} --by NAME` first"
        )
