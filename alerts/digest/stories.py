"""Digest queries about stories and incidents: the day's tiered, new and handled stories."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from yuqing.alerts.digest.model import DeadlineLine, IncidentLine, StoryLine
from yuqing.alerts.models import Incident
from yuqing.analysis.models import Story, StoryPost, TierChange
from yuqing.collector.models import Post
from yuqing.config.types import tier_rank

DEADLINE_LABELS = {"report": "快报", "facts": "发布事实", "respond": "正面回复"}


def list_attention(
    session: Session, start: datetime, end: datetime, limit: int, *, before: datetime | None = None
) -> tuple[list[StoryLine], dict[str, int]]:
    """Tiered stories active that day, at most `limit` per tier, and how many more each tier has."""
    raised_today = select(TierChange.story_id).where(TierChange.raised_at >= start, TierChange.raised_at < end)
    condition = and_(
        Story.tier.is_not(None), Story.archived.is_(False), Story.first_seen_at < end,
        or_(Story.last_post_at >= start, Story.id.in_(raised_today)),
    )
    stories = _stories(session, condition, start, end, before)
    shown: list[StoryLine] = []
    more: dict[str, int] = defaultdict(int)
    per_tier: dict[str, int] = defaultdict(int)
    for story in sorted(stories, key=_rank):
        tier = story.tier or ""
        if per_tier[tier] < limit:
            shown.append(story)
            per_tier[tier] += 1
        else:
            more[tier] += 1
    return shown, dict(more)


def list_new_stories(
    session: Session, start: datetime, end: datetime, limit: int, *, before: datetime | None = None
) -> tuple[list[StoryLine], int]:
    """Relevant stories first seen that day (the most pressing `limit` of them) and their number."""
    condition = and_(Story.relevant.is_(True), Story.first_seen_at >= start, Story.first_seen_at < end)
    stories = sorted(_stories(session, condition, start, end, before), key=_rank)
    return stories[:limit], len(stories)


def _rank(story: StoryLine) -> tuple[int, float, int, int]:
    return (-tier_rank(story.tier), -story.negativity, -story.clicks_24h, story.id)


def _stories(
    session: Session, condition: ColumnElement[bool], start: datetime, end: datetime, before: datetime | None
) -> list[StoryLine]:
    """Story lines; `before` starts the previous day (default: one day-length before `start`)."""
    query = (
        select(Story, Post.url)
        .outerjoin(Post, Post.id == Story.first_post_id)
        .where(condition)
    )
    rows = session.execute(query).tuples().all()
    ids = [story.id for story, _url in rows]
    if not ids:
        return []
    before = before or start - (end - start)
    today = _joined(session, ids, start, end)
    yesterday = _joined(session, ids, before, start)
    raised: dict[int, list[tuple[str | None, str, datetime]]] = defaultdict(list)
    for change in session.scalars(
        select(TierChange).where(TierChange.story_id.in_(ids), TierChange.raised_at >= start,
                                 TierChange.raised_at < end).order_by(TierChange.raised_at)
    ):
        raised[change.story_id].append((change.previous_tier, change.tier, change.raised_at))
    return [
        StoryLine(
            id=story.id, title=story.title, url=url, tier=story.tier, tier_reason=story.tier_reason,
            tier_at=story.tier_at, sites=list(story.sites or []), posts=story.posts,
            clicks_24h=story.clicks_24h, reposts=story.reposts, clicks_per_hour=story.clicks_per_hour,
            negativity=story.negativity, category=story.category, first_seen_at=story.first_seen_at,
            last_post_at=story.last_post_at, posts_today=today.get(story.id, 0),
            posts_before=yesterday.get(story.id, 0),
            forecast=(story.forecast or {}).get("text") or None, raised=raised.get(story.id, []),
            likes=int((story.metrics or {}).get("likes") or 0),
        )
        for story, url in rows
    ]


def _joined(session: Session, ids: list[int], start: datetime, end: datetime) -> dict[int, int]:
    """Posts first seen in [start, end) per story."""
    query = (
        select(StoryPost.story_id, func.count())
        .join(Post, Post.id == StoryPost.post_id)
        .where(StoryPost.story_id.in_(ids), Post.first_seen_at >= start, Post.first_seen_at < end)
        .group_by(StoryPost.story_id)
    )
    return {story_id: int(count) for story_id, count in session.execute(query).tuples()}


def list_incidents(session: Session, start: datetime, end: datetime, now: datetime) -> list[IncidentLine]:
    """Incidents open at some time during the day, oldest first, deadlines judged at `now`."""
    query = (
        select(Incident, Story.title, Post.url)
        .join(Story, Story.id == Incident.story_id)
        .outerjoin(Post, Post.id == Story.first_post_id)
        .where(Incident.opened_at < end, or_(Incident.closed_at.is_(None), Incident.closed_at >= start))
        .order_by(Incident.opened_at, Incident.id)
    )
    return [
        IncidentLine(
            id=incident.id, story_id=incident.story_id, title=title, url=url, status=incident.status,
            tier=incident.tier, category=incident.category, opened_at=incident.opened_at,
            acknowledged_by=incident.acknowledged_by, deadlines=judge_deadlines(incident, now),
        )
        for incident, title, url in session.execute(query).tuples()
    ]


def judge_deadlines(incident: Incident, now: datetime) -> list[DeadlineLine]:
    """The incident's current cycle's deadlines (快报, 发布事实, 正面回复), each judged at `now`."""
    pairs = (
        ("report", incident.report_by, incident.acknowledged_at),
        ("facts", incident.facts_by, incident.responded_at),
        ("respond", incident.respond_by, incident.responded_at),
    )
    return [
        DeadlineLine(kind, DEADLINE_LABELS[kind], due, done, judge_deadline(due, done, now))
        for kind, due, done in pairs if due is not None
    ]


def judge_deadline(due: datetime, done: datetime | None, now: datetime) -> str:
    """met (done in time), late (done after), missed (not done, passed) or pending."""
    if done is not None:
        return "met" if done <= due else "late"
    return "missed" if now > due else "pending"
