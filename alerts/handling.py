"""Alerting stage: the incident record — opened from a tier change, acknowledged, responded to,
subsided, closed, recurred — each step written with who and when (docs/spec.md §6)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from yuqing.alerts import store
from yuqing.alerts.incidents import (
    IncidentNotFoundError,
    check_ack,
    check_close,
    check_respond,
    compute_deadlines,
    resting_status,
)
from yuqing.alerts.models import Incident
from yuqing.analysis.models import Story, TierChange
from yuqing.config.database import transaction
from yuqing.config.settings import Settings
from yuqing.config.types import tier_rank


def start_cycle(incident: Incident, settings: Settings, start: datetime, category: str | None) -> None:
    """Set the deadlines of a new handling cycle (the first, or after a recurrence) from `start`."""
    deadlines = compute_deadlines(settings.deadlines, start, category)
    incident.cycle_started_at = start
    incident.report_by, incident.facts_by, incident.respond_by = (
        deadlines["report_by"], deadlines["facts_by"], deadlines["respond_by"])
    incident.acknowledged_at = incident.acknowledged_by = None
    incident.responded_at = incident.response_note = incident.response_url = None


def reopen(incident: Incident, settings: Settings, now: datetime) -> None:
    """A closed incident whose story spreads again: `recurred`, a new cycle of deadlines from now."""
    incident.status, incident.recurrences = "recurred", incident.recurrences + 1
    incident.closed_at = incident.subsided_at = None
    start_cycle(incident, settings, now, incident.category)


def open_incident(
    session: Session, settings: Settings, story: Story, change: TierChange, now: datetime
) -> Incident | None:
    """Open (or raise, or reopen) the story's incident when the change reaches `incidents.open_tier`."""
    if tier_rank(change.tier) < tier_rank(settings.incidents.open_tier):
        return store.get_incident_for_story(session, story.id)
    incident = store.get_incident_for_story(session, story.id)
    if incident is None:
        incident = Incident(story_id=story.id, status="open", tier=change.tier, category=story.category,
                            opened_at=change.raised_at, recurrences=0,
                            growth=store.get_story_growth(session, story.id), last_growth_at=now)
        start_cycle(incident, settings, change.raised_at, story.category)
        session.add(incident)
        session.flush()
        store.record_incident_event(session, incident, "opened", now, note=f"{change.tier}: {change.reason}")
        return incident
    if tier_rank(change.tier) > tier_rank(incident.tier):
        incident.tier = change.tier
    incident.category = incident.category or story.category
    if incident.status == "closed":
        reopen(incident, settings, change.raised_at)
    elif incident.status == "subsided":
        incident.status = resting_status(incident)
    incident.growth, incident.last_growth_at = store.get_story_growth(session, story.id), now
    store.record_incident_event(session, incident, "tier_raised", now, note=f"{change.tier}: {change.reason}")
    return incident


def _load(session: Session, incident_id: int) -> Incident:
    incident = store.get_incident(session, incident_id)
    if incident is None:
        raise IncidentNotFoundError(f"no incident {incident_id}; see `yuqing incidents`")
    return incident


def ack_incident(sessions: sessionmaker[Session], incident_id: int, *, by: str, now: datetime) -> Incident:
    """Record who acknowledged the incident (meets the report deadline)."""
    with transaction(sessions) as session:
        incident = _load(session, incident_id)
        check_ack(incident)
        incident.acknowledged_at, incident.acknowledged_by = now, by
        if incident.status in ("open", "recurred"):
            incident.status = "acknowledged"
        store.record_incident_event(session, incident, "acknowledged", now, actor=by)
    return incident


def respond_incident(
    sessions: sessionmaker[Session], incident_id: int, *, note: str, url: str | None, now: datetime,
    by: str | None = None,
) -> Incident:
    """Record the official response (meets the facts and response deadlines)."""
    with transaction(sessions) as session:
        incident = _load(session, incident_id)
        check_respond(incident)
        incident.responded_at, incident.response_note, incident.response_url = now, note, url
        if incident.status != "subsided":
            incident.status = "responded"
        store.record_incident_event(session, incident, "responded", now, actor=by,
                                    note=note + (f" ({url})" if url else ""))
    return incident


def close_incident(
    sessions: sessionmaker[Session], incident_id: int, *, summary: str, now: datetime, by: str | None = None
) -> Incident:
    """Close the incident with its written evaluation (总结评估)."""
    with transaction(sessions) as session:
        incident = _load(session, incident_id)
        check_close(incident)
        incident.status, incident.closed_at, incident.summary = "closed", now, summary
        store.record_incident_event(session, incident, "closed", now, actor=by, note=summary)
    return incident
