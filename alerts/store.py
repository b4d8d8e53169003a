"""Alerting-stage queries: tier changes to dispatch, story facts, incidents, the outbox and its
delivery record. Functions take the session first and never commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from yuqing.alerts.models import Alert, Delivery, Incident, IncidentEvent
from yuqing.alerts.payload import METRIC_KEYS, StoryFacts
from yuqing.analysis.band_store import chunks
from yuqing.analysis.models import Story, StoryPost, TierChange
from yuqing.collector.models import Post

UNSENT = ("pending", "held")
DEADLINE_EVENTS = ("deadline_near", "deadline_missed")
MAX_URLS = 20


@dataclass(frozen=True)
class QueuedAlert:
    """An unsent alert's routing facts, read without its payload."""

    id: int
    channel: str
    story_id: int | None
    status: str
    event: str
    tier: str | None
    next_attempt_at: datetime
    attempts: int


def locks_rows(session: Session) -> bool:
    """Whether the database supports FOR UPDATE SKIP LOCKED (PostgreSQL) — SQLite has one writer."""
    return session.get_bind().dialect.name == "postgresql"


def list_undispatched_tier_changes(session: Session, limit: int = 200) -> list[TierChange]:
    """Tier changes not yet turned into alerts, oldest first (locked against other workers)."""
    query = (select(TierChange).where(TierChange.dispatched_at.is_(None))
             .order_by(TierChange.raised_at, TierChange.id).limit(limit))
    if locks_rows(session):
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def get_story_facts(session: Session, story: Story, metrics: dict[str, Any] | None = None) -> StoryFacts:
    """What an alert says about a story; `metrics` (the tier change's) win over the story's."""
    rows = session.execute(
        select(Post.id, Post.url).join(StoryPost, StoryPost.post_id == Post.id)
        .where(StoryPost.story_id == story.id).order_by(Post.first_seen_at, Post.id).limit(MAX_URLS)
    ).all()
    first = next((url for pid, url in rows if pid == story.first_post_id), rows[0][1] if rows else None)
    figures = {"sites": len(story.sites or []), "posts": story.posts, "clicks_24h": story.clicks_24h,
               "reposts": story.reposts, "clicks_per_hour": story.clicks_per_hour}
    figures.update({k: v for k, v in (metrics or {}).items() if k in METRIC_KEYS})
    return StoryFacts(
        story_id=story.id, title=story.title or "", summary=story.summary or "", category=story.category,
        schemes=list(story.schemes or []), negativity=story.negativity or 0.0,
        sites=list(story.sites or []), urls=[url for _, url in rows], first_url=first,
        first_seen_at=story.first_seen_at, metrics=figures,
    )


def save_alert(session: Session, alert: Alert) -> Alert | None:
    """Queue an alert unless one with its dedupe key exists; return it, or None when it existed."""
    exists = session.scalar(select(Alert.id).where(Alert.dedupe_key == alert.dedupe_key))
    if exists is not None:
        return None
    session.add(alert)
    session.flush()
    return alert


def get_incident(session: Session, incident_id: int) -> Incident | None:
    """The incident of that id, or None."""
    return session.get(Incident, incident_id)


def get_incident_for_story(session: Session, story_id: int) -> Incident | None:
    """The story's incident, or None."""
    return session.scalar(select(Incident).where(Incident.story_id == story_id))


def list_incidents(session: Session, statuses: tuple[str, ...] | None = None) -> list[Incident]:
    """Incidents, newest first, optionally only those in `statuses`."""
    query = select(Incident).order_by(Incident.opened_at.desc(), Incident.id.desc())
    if statuses:
        query = query.where(Incident.status.in_(statuses))
    return list(session.scalars(query))


def record_incident_event(
    session: Session, incident: Incident, kind: str, at: datetime, actor: str | None = None, note: str | None = None
) -> IncidentEvent:
    """Add a line to the incident's handling record."""
    event = IncidentEvent(incident_id=incident.id, kind=kind, at=at, actor=actor, note=note)
    session.add(event)
    return event


def has_incident_event(session: Session, incident_id: int, kind: str, note: str) -> bool:
    """Whether that line is already in the record (deadline lines are written once)."""
    return session.scalar(select(IncidentEvent.id).where(
        IncidentEvent.incident_id == incident_id, IncidentEvent.kind == kind, IncidentEvent.note == note
    ).limit(1)) is not None


def get_incidents(session: Session, incident_ids: Sequence[int]) -> list[Incident]:
    """The incidents of those ids."""
    return [i for chunk in chunks(incident_ids) for i in session.scalars(select(Incident).where(Incident.id.in_(chunk)))]


@dataclass(frozen=True)
class DeadlineRecords:
    """What a deadline check already wrote: record lines (incident id, kind, note) and alert dedupe keys."""

    events: set[tuple[int, str, str]]
    alerts: set[str]


def find_deadline_records(session: Session, incident_ids: Sequence[int], dedupe_keys: Sequence[str]) -> DeadlineRecords:
    """The deadline lines in these incidents' records, and which of `dedupe_keys` are queued already."""
    events: set[tuple[int, str, str]] = set()
    for chunk in chunks(sorted(set(incident_ids))):
        events.update(session.execute(
            select(IncidentEvent.incident_id, IncidentEvent.kind, IncidentEvent.note)
            .where(IncidentEvent.incident_id.in_(chunk), IncidentEvent.kind.in_(DEADLINE_EVENTS))).tuples())
    alerts: set[str] = set()
    for chunk in chunks(sorted(set(dedupe_keys))):
        alerts.update(session.scalars(select(Alert.dedupe_key).where(Alert.dedupe_key.in_(chunk))))
    return DeadlineRecords(events, alerts)


def get_stories_growth(session: Session, story_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Per story: its posts and total engagement (views + replies + reposts), both only grow."""
    found = dict.fromkeys(story_ids, (0, 0))
    engagement = func.coalesce(Post.views, 0) + func.coalesce(Post.replies, 0) + func.coalesce(Post.reposts, 0)
    for chunk in chunks(sorted(set(story_ids))):
        found.update((story_id, (posts, total)) for story_id, posts, total in session.execute(
            select(StoryPost.story_id, func.count(Post.id), func.coalesce(func.sum(engagement), 0))
            .join(Post, Post.id == StoryPost.post_id).where(StoryPost.story_id.in_(chunk))
            .group_by(StoryPost.story_id)).tuples())
    return {story_id: {"posts": int(posts), "engagement": int(total)} for story_id, (posts, total) in found.items()}


def get_story_growth(session: Session, story_id: int) -> dict[str, int]:
    """The story's posts and total engagement (`get_stories_growth` of one story)."""
    return get_stories_growth(session, [story_id])[story_id]


def count_recurring_posts(session: Session) -> dict[int, int]:
    """Closed incidents whose story gained copies after closing: incident id → how many copies."""
    return dict(session.execute(
        select(Incident.id, func.count())
        .join(StoryPost, and_(StoryPost.story_id == Incident.story_id, StoryPost.joined_at > Incident.closed_at))
        .where(Incident.status == "closed", Incident.closed_at.is_not(None))
        .group_by(Incident.id)).tuples().all())


def list_unsent_alerts(session: Session) -> list[QueuedAlert]:
    """Every pending or held alert, in creation order."""
    rows = session.execute(
        select(Alert.id, Alert.channel, Alert.story_id, Alert.status, Alert.event, Alert.tier, Alert.next_attempt_at,
               Alert.attempts)
        .where(Alert.status.in_(UNSENT)).order_by(Alert.id)
    ).all()
    return [QueuedAlert(*row) for row in rows]


def list_alerts_for_sending(session: Session, ids: list[int]) -> list[Alert]:
    """The still-unsent alerts among `ids`, in order; on PostgreSQL locked, skipping locked rows."""
    query = select(Alert).where(Alert.id.in_(ids), Alert.status.in_(UNSENT)).order_by(Alert.id)
    if locks_rows(session):
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def count_messages_since(session: Session, channel: str, since: datetime) -> int:
    """Messages (a merged burst counts once) a channel accepted since `since`."""
    return session.scalar(
        select(func.count(func.distinct(Delivery.message_id))).join(Alert, Alert.id == Delivery.alert_id)
        .where(Alert.channel == channel, Delivery.ok.is_(True), Delivery.attempted_at >= since)
    ) or 0


def record_delivery(session: Session, alert: Alert, delivery: Delivery) -> None:
    """Add one attempt to an alert's record."""
    delivery.alert_id = alert.id
    session.add(delivery)


def get_backlog(session: Session) -> dict[str, dict[str, Any]]:
    """Per channel: unsent alerts, how many are held, the oldest, and the last error."""
    rows = session.execute(
        select(Alert.channel, Alert.status, func.count(), func.min(Alert.created_at), func.max(Alert.last_error))
        .where(Alert.status.in_(UNSENT)).group_by(Alert.channel, Alert.status)
    ).all()
    backlog: dict[str, dict[str, Any]] = {}
    for channel, status, count, oldest, error in rows:
        entry = backlog.setdefault(channel, {"unsent": 0, "held": 0, "oldest_at": oldest, "last_error": None})
        entry["unsent"] += count
        entry["held"] += count if status == "held" else 0
        entry["oldest_at"] = min(entry["oldest_at"], oldest)
        entry["last_error"] = entry["last_error"] or error
    return backlog


def count_outbox(session: Session) -> tuple[dict[str, int], datetime | None]:
    """Alerts pending, held and failed by status, and when the oldest pending one was queued."""
    counts = dict(session.execute(
        select(Alert.status, func.count()).where(Alert.status.in_(("pending", "held", "failed")))
        .group_by(Alert.status)
    ).tuples().all())
    oldest = session.scalar(select(func.min(Alert.created_at)).where(Alert.status == "pending"))
    return counts, oldest
