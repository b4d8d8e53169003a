"""Alerting-stage jobs: tier changes → incidents and queued alerts; incidents → deadline,
subsided and recurred alerts; the outbox → channels. Each is `step(settings, sessions, *, now)`."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from yuqing.alerts import store
from yuqing.alerts.handling import open_incident, reopen
from yuqing.alerts.incidents import ACTIVE, check_deadline, resting_status
from yuqing.alerts.links import console_link
from yuqing.alerts.models import Incident
from yuqing.alerts.outbox import DeliveryReport, deliver_outbox, queue_alert
from yuqing.alerts.payload import alert_uid, build_payload, format_time
from yuqing.alerts.routing import escalation, route
from yuqing.analysis.models import Story
from yuqing.analysis.store import get_stories
from yuqing.config.database import transaction
from yuqing.config.settings import ChannelSettings, Settings
from yuqing.config.types import TIER_ORDER

log = logging.getLogger(__name__)


@dataclass
class RaiseSummary:
    """What `raise_alerts` did."""

    changes: int = 0
    alerts: int = 0
    incidents_opened: int = 0

    def __str__(self) -> str:
        return f"{self.changes} tier change(s) → {self.alerts} alert(s) queued, {self.incidents_opened} incident(s) opened"


@dataclass
class IncidentSummary:
    """What `check_incidents` did."""

    deadline_alerts: int = 0
    subsided: int = 0
    recurred: int = 0

    def __str__(self) -> str:
        return f"{self.deadline_alerts} deadline alert(s), {self.subsided} subsided, {self.recurred} recurred"


@dataclass(frozen=True)
class DueDeadline:
    """A deadline near or missed at a check: the line it writes in the record and the alert it queues."""

    name: str
    state: str  # near | missed
    due_at: str  # formatted in the digest's time zone
    key: str
    channels: tuple[ChannelSettings, ...]
    dedupe_keys: tuple[str, ...]

    @property
    def kind(self) -> str:
        """The record line's kind and the alert's event suffix: deadline_near or deadline_missed."""
        return f"deadline_{self.state}"

    @property
    def note(self) -> str:
        """The record line's note, written once per deadline and state."""
        return f"{self.name} due {self.due_at}"


def _guidance(settings: Settings, category: str | None) -> str | None:
    return settings.analysis.guidance(category) if category else None


def _deadlines(incident: Incident | None) -> dict[str, datetime | None]:
    if incident is None:
        return {}
    return {"report_by": incident.report_by, "facts_by": incident.facts_by, "respond_by": incident.respond_by}


def _queue(session: Session, settings: Settings, channels: list[ChannelSettings], key: str, event: str,
           story: Story, incident: Incident | None, tier: str | None, now: datetime, *, reason: str,
           previous_tier: str | None = None, detected_at: datetime | None = None,
           metrics: dict[str, Any] | None = None, extra: dict[str, Any] | None = None) -> int:
    """Queue one alert per channel under `key:channel:<name>`; return how many were new."""
    facts = store.get_story_facts(session, story, metrics)
    incident_id = incident.id if incident else None
    queued = 0
    for channel in channels:
        dedupe_key = f"{key}:channel:{channel.name}"
        payload = build_payload(
            event, uid=alert_uid(dedupe_key), facts=facts, tier=tier, previous_tier=previous_tier,
            reason=reason, detected_at=detected_at or now, deadlines=_deadlines(incident),
            guidance=_guidance(settings, story.category), timezone=settings.digest.timezone,
            extra={"incident_id": incident_id, **(extra or {}),
                   "console_url": console_link(settings, now, story_id=story.id, incident_id=incident_id)},
        )
        alert = queue_alert(session, dedupe_key=dedupe_key, event=event, channel=channel.name, payload=payload,
                            now=now, story_id=story.id, incident_id=incident_id, tier=tier)
        queued += alert is not None
    return queued


def queue_copy_deleted(session: Session, settings: Settings, story: Story, incident: Incident | None,
                       post_id: int, url: str, note: str, now: datetime) -> int:
    """Queue a `story.copy_deleted` alert, once per post and channel, to the recipients of the story's
    schemes that ask for it (`alert_deletions`); return how many were new."""
    wanted = [s.name for s in settings.schemes if s.alert_deletions and s.name in (story.schemes or [])]
    if not wanted:
        return 0
    return _queue(session, settings, route(settings, wanted, story.tier), f"story:{story.id}:post:{post_id}:deleted",
                  "story.copy_deleted", story, incident, story.tier, now, reason=note,
                  extra={"deleted_url": url})


def raise_alerts(settings: Settings, sessions: sessionmaker[Session], *, now: datetime) -> RaiseSummary:
    """Turn undispatched tier changes into incidents and one queued alert per routed channel.

    Incident, alerts and `dispatched_at` are written in one transaction: a crash repeats nothing.
    """
    summary = RaiseSummary()
    with transaction(sessions) as session:
        for change in store.list_undispatched_tier_changes(session):
            change.dispatched_at = now
            summary.changes += 1
            if change.tier not in TIER_ORDER:
                log.error("story_id=%s tier=%s: unknown tier; no alert", change.story_id, change.tier)
                continue
            story = change.story
            existed = store.get_incident_for_story(session, story.id) is not None
            incident = open_incident(session, settings, story, change, now)
            summary.incidents_opened += incident is not None and not existed
            summary.alerts += _queue(
                session, settings, route(settings, story.schemes or [], change.tier),
                f"story:{story.id}:tier:{change.tier}", "story.tier_raised", story, incident, change.tier, now,
                previous_tier=change.previous_tier, reason=change.reason, detected_at=change.raised_at,
                metrics=change.metrics)
    return summary


def check_incidents(settings: Settings, sessions: sessionmaker[Session], *, now: datetime) -> IncidentSummary:
    """Raise deadline-near/-missed alerts, mark incidents subsided, reopen closed ones that recur.

    Reads only what can act: incidents not closed, and closed ones whose story gained copies after
    closing; their stories' growth, and which deadline lines and alerts exist, come in one query
    each, so a deadline alerted at an earlier pass costs no query and no payload.
    """
    summary = IncidentSummary()
    with transaction(sessions) as session:
        fresh = store.count_recurring_posts(session)
        incidents = sorted([*store.list_incidents(session, (*ACTIVE, "subsided")), *store.get_incidents(session, list(fresh))],
                           key=lambda i: (i.opened_at, i.id), reverse=True)  # newest first, as list_incidents
        stories = get_stories(session, [incident.story_id for incident in incidents])
        growth = store.get_stories_growth(session, [i.story_id for i in incidents if i.status != "closed"])
        due = {i.id: _due_deadlines(settings, i, stories[i.story_id], now)
               for i in incidents if i.status != "closed" and i.story_id in stories}  # subsided may grow again
        done = store.find_deadline_records(session, list(due), [k for checks in due.values() for c in checks
                                                                for k in c.dedupe_keys])
        for incident in incidents:
            story = stories.get(incident.story_id)
            if story is None:
                continue
            if incident.status == "closed":
                summary.recurred += _check_recurred(session, settings, incident, story, fresh[incident.id], now)
                continue
            summary.subsided += _check_growth(session, settings, incident, story, growth[story.id], now)
            if incident.status in ACTIVE:
                summary.deadline_alerts += _check_deadlines(session, settings, incident, story, due[incident.id],
                                                            done, now)
    return summary


def _due_deadlines(settings: Settings, incident: Incident, story: Story, now: datetime) -> list[DueDeadline]:
    """The incident's deadlines near or missed now, with the record line and the alert keys each one makes."""
    start = incident.cycle_started_at or incident.opened_at
    channels = escalation(settings, story.schemes or [], incident.tier)
    found = []
    for name, due in _deadlines(incident).items():
        if due is None:
            continue
        check = check_deadline(incident, name, due, start, now, settings.deadlines.near)
        if check.state not in ("near", "missed"):
            continue
        key = f"incident:{incident.id}:cycle:{incident.recurrences}:{name}:{check.state}"
        found.append(DueDeadline(
            name=name, state=check.state, due_at=format_time(due, settings.digest.timezone),
            key=key, channels=tuple(channels), dedupe_keys=tuple(f"{key}:channel:{c.name}" for c in channels)))
    return found


def _check_deadlines(session: Session, settings: Settings, incident: Incident, story: Story,
                     checks: list[DueDeadline], done: store.DeadlineRecords, now: datetime) -> int:
    queued = 0
    for check in checks:
        if (incident.id, check.kind, check.note) not in done.events:
            store.record_incident_event(session, incident, check.kind, now, note=check.note)
        if done.alerts.issuperset(check.dedupe_keys):
            continue  # queued at an earlier pass, or no channel to tell
        queued += _queue(
            session, settings, list(check.channels), check.key, f"incident.{check.kind}", story, incident,
            incident.tier, now,
            reason=f"{check.name} {'passed' if check.state == 'missed' else 'is near'}: due {check.due_at}",
            extra={"status": incident.status,
                   "deadline": {"name": check.name, "due_at": check.due_at, "state": check.state}})
    return queued


def _check_growth(session: Session, settings: Settings, incident: Incident, story: Story, growth: dict[str, int],
                  now: datetime) -> int:
    """Growth = more posts or more engagement than last seen; none for `subside_after` → subsided."""
    seen = incident.growth or {}
    if any(growth[k] > seen.get(k, 0) for k in growth):
        incident.growth, incident.last_growth_at = growth, now
        if incident.status == "subsided":
            incident.status, incident.subsided_at = resting_status(incident), None
            store.record_incident_event(session, incident, "growing_again", now)
        return 0
    quiet_since = incident.last_growth_at or incident.opened_at
    if incident.status not in ACTIVE or now - quiet_since < settings.incidents.subside_after:
        return 0
    incident.status, incident.subsided_at = "subsided", now
    store.record_incident_event(session, incident, "subsided", now, note=f"no growth since {quiet_since:%Y-%m-%d %H:%M} UTC")
    _queue(session, settings, route(settings, story.schemes or [], incident.tier),
           f"story:{story.id}:subsided:{incident.recurrences}", "story.subsided", story, incident, incident.tier,
           now, reason=f"no new copies or engagement for {settings.incidents.subside_after}")
    return 1


def _check_recurred(session: Session, settings: Settings, incident: Incident, story: Story, fresh: int,
                    now: datetime) -> int:
    """Reopen a closed incident whose story gained `fresh` copies after it was closed."""
    reopen(incident, settings, now)
    incident.growth, incident.last_growth_at = store.get_stories_growth(session, [story.id])[story.id], now
    store.record_incident_event(session, incident, "recurred", now, note=f"{fresh} new cop(ies) after closing")
    _queue(session, settings, route(settings, story.schemes or [], incident.tier),
           f"story:{story.id}:recurred:{incident.recurrences}", "story.recurred", story, incident, incident.tier,
           now, reason=f"{fresh} new copies of a closed story's statement")
    return 1


def deliver(
    settings: Settings, sessions: sessionmaker[Session], *, now: datetime, client: httpx.Client | None = None,
    only: Collection[str] | None = None,
) -> DeliveryReport:
    """Send every due alert through its channel (or only through the channels named in `only`),
    in order per channel, recording each attempt."""
    return deliver_outbox(settings, sessions, now=now, client=client, only=only)
