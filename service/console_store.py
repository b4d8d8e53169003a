"""Queries of the web console's screens: filtered story lists, one story with its copies and tier
history, the incident desk, the digest archive. Session first; read-only."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, String, case, cast, func, literal, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session, load_only

from yuqing.alerts.incidents import DEADLINES, STATUSES, check_deadline
from yuqing.alerts.models import Digest, Incident
from yuqing.analysis.metrics import PostFacts
from yuqing.analysis.models import Story, TierChange
from yuqing.analysis.store import list_story_facts
from yuqing.collector.models import Post
from yuqing.config.database import UTCDateTime
from yuqing.config.settings import DeadlineSettings
from yuqing.config.types import TIER_ORDER

PAGE_SIZE = 50
RANKED: tuple[str | None, ...] = (*reversed(TIER_ORDER), None)  # the list's order: critical first, untiered last
LIST_COLUMNS = (Story.title, Story.category, Story.tier, Story.sites, Story.clicks_24h, Story.reposts,
                Story.negativity, Story.last_post_at)
OPEN_STATUSES = tuple(s for s in STATUSES if s != "closed")
FAR = datetime(9999, 12, 31, tzinfo=UTC)  # "no deadline left": sorts after every real one
_T = TypeVar("_T", bound=tuple[Any, ...])


@dataclass(frozen=True)
class StoryFilters:
    """What the story list is narrowed to; empty strings and None mean no filter."""

    tier: str | None = None
    scheme: str | None = None
    site: str | None = None
    category: str | None = None
    since: datetime | None = None
    search: str | None = None
    page: int = 1


def _json_has(session: Session, column: object, value: str) -> object:
    """`value` is an element of a JSON list column (JSONB containment on PostgreSQL, text match elsewhere)."""
    if session.get_bind().dialect.name == "postgresql":
        return type_coerce(column, JSONB).contains([value])  # @>, served by a GIN index if one is added
    needle = json.dumps(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return cast(column, String).like(f"%{needle}%", escape="\\")


def _filtered(session: Session, query: Select[_T], filters: StoryFilters) -> Select[_T]:
    query = query.where(Story.archived.is_(False))
    if filters.scheme:
        query = query.where(_json_has(session, Story.schemes, filters.scheme))
    if filters.site:
        query = query.where(_json_has(session, Story.sites, filters.site))
    if filters.category:
        query = query.where(Story.category == filters.category)
    if filters.since is not None:
        query = query.where(Story.last_post_at >= filters.since)
    if filters.search:
        pattern = filters.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Story.title.ilike(f"%{pattern}%", escape="\\"))
    return query


def list_story_rows(session: Session, filters: StoryFilters) -> list[Story]:
    """Stories for the list: highest tier first, then hottest, then most recent; one page of them
    (only the columns the list shows are loaded).

    Each tier (untiered last) is read in the order of ix_stories_heat (tier, clicks_24h,
    last_post_at, id) with a LIMIT, so a page reads about as many rows as it shows, plus those
    the filters pass over; nothing is sorted and nothing is counted for the first page. Later
    pages count the tiers they skip whole."""
    skip, want = (max(filters.page, 1) - 1) * PAGE_SIZE, PAGE_SIZE
    tiers: tuple[str | None, ...] = RANKED if not filters.tier else (None if filters.tier == "none" else filters.tier,)
    heat = (Story.clicks_24h.desc(), Story.last_post_at.desc(), Story.id.desc())
    rows: list[Story] = []
    for n, tier in enumerate(tiers):
        in_tier = Story.tier.is_(None) if tier is None else Story.tier == tier
        if skip and n < len(tiers) - 1:
            count = session.scalar(_filtered(session, select(func.count()).select_from(Story), filters)
                                   .where(in_tier)) or 0
            if count <= skip:
                skip -= count
                continue
        query = _filtered(session, select(Story).options(load_only(*LIST_COLUMNS)), filters).where(in_tier)
        rows += session.scalars(query.order_by(*heat).offset(skip).limit(want - len(rows)))
        skip = 0
        if len(rows) == want:
            break
    return rows


@dataclass
class StoryView:
    """Everything the story page shows."""

    story: Story
    changes: list[TierChange]
    copies: list[PostFacts]
    incident: Incident | None
    text: str = ""


def get_story_view(session: Session, story_id: int, now: datetime) -> StoryView | None:
    """The story with its tier history, every copy (with snapshots), its incident and first post's text."""
    story = session.get(Story, story_id)
    if story is None:
        return None
    changes = list(session.scalars(select(TierChange).where(TierChange.story_id == story_id)
                                   .order_by(TierChange.raised_at, TierChange.id)))
    copies = sorted(list_story_facts(session, [story_id], now).get(story_id, []),
                    key=lambda c: (c.first_seen_at, c.post_id))
    incident = session.scalar(select(Incident).where(Incident.story_id == story_id))
    first = session.get(Post, story.first_post_id) if story.first_post_id else None
    text = (first.body or first.title) if first else ""
    return StoryView(story, changes, copies, incident, text)


@dataclass(frozen=True)
class StoryTitle:
    """What the desk shows of an incident's story."""

    id: int
    title: str


@dataclass
class DeskRow:
    """An incident on the desk with its story and each deadline's state."""

    incident: Incident
    story: StoryTitle | Story | None
    deadlines: list[tuple[str, datetime, str, datetime]] = field(default_factory=list)  # name, due, state, near at
    urgency: float = 0.0


def _next_due(session: Session) -> ColumnElement[datetime]:
    """The earliest deadline an incident has not met (FAR when none is left), as SQL."""
    least = func.least if session.get_bind().dialect.name == "postgresql" else func.min  # SQLite: scalar min()
    unmet = (case((Incident.acknowledged_at.is_(None), Incident.report_by)),
             case((Incident.responded_at.is_(None), Incident.facts_by)),
             case((Incident.responded_at.is_(None), Incident.respond_by)))
    return least(*(func.coalesce(due, literal(FAR, UTCDateTime)) for due in unmet))


def list_desk(session: Session, deadlines: DeadlineSettings, now: datetime, *, include_closed: bool = False,
              page: int = 1) -> tuple[list[DeskRow], int]:
    """One page of incidents not closed (or all), most urgent first, and how many there are in all.

    Missed deadlines come first, then the nearest one due (the earliest unmet deadline, ordered
    in SQL); then those with none left, newest first; closed incidents last. Only the page's
    incidents are loaded."""
    query = select(Incident)
    if not include_closed:
        query = query.where(Incident.status.in_(OPEN_STATUSES))  # ix_incidents_status
    total = session.scalar(query.with_only_columns(func.count(Incident.id))) or 0
    closed = Incident.status == "closed"
    order = (closed, case((closed, literal(FAR, UTCDateTime)), else_=_next_due(session)),
             Incident.opened_at.desc(), Incident.id.desc())
    incidents = session.scalars(query.order_by(*order).offset((max(page, 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    shown = [desk_row(i, None, deadlines, now) for i in incidents]
    titles = dict(session.execute(select(Story.id, Story.title).where(
        Story.id.in_([r.incident.story_id for r in shown]))).tuples().all())
    for row in shown:
        if row.incident.story_id in titles:
            row.story = StoryTitle(row.incident.story_id, titles[row.incident.story_id])
    return shown, total


def desk_row(incident: Incident, story: Story | None, deadlines: DeadlineSettings, now: datetime) -> DeskRow:
    """One incident's deadlines and its urgency (seconds to the nearest unmet deadline; missed is negative)."""
    start = incident.cycle_started_at or incident.opened_at
    row = DeskRow(incident, story)
    pending: list[float] = []
    for name in DEADLINES:
        due = getattr(incident, name)
        if due is None:
            continue
        check = check_deadline(incident, name, due, start, now, deadlines.near)
        row.deadlines.append((name, due, check.state, start + (due - start) * deadlines.near))
        if check.state != "met" and incident.status != "closed":
            pending.append((due - now).total_seconds())
    row.urgency = min(pending) if pending else float("inf")
    return row


def list_digest_rows(session: Session, limit: int = 120) -> list[Digest]:
    """The digest archive, newest day first."""
    return list(session.scalars(select(Digest).order_by(Digest.day.desc()).limit(limit)))


def get_digest_row(session: Session, digest_id: int) -> Digest | None:
    """One digest row."""
    return session.get(Digest, digest_id)
