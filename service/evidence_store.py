"""Queries of the evidence steps: copies of alerted stories still to capture, kept pages due a
re-check (or off their list since the last one), the bytes kept so far. Functions take the session
first and never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import Session

from yuqing.alerts.models import Incident
from yuqing.analysis.models import Story, StoryPost
from yuqing.collector.models import EvidencePage, Post, Source, SourcePoll

BYTES_EXPIRED = "bytes removed by retention: the incident closed more than evidence.keep_after_close ago"


@dataclass(frozen=True)
class PageTarget:
    """A post whose page is to be fetched: its URL, title, story and incident, whose source it is,
    and whether a poll of that source read its list since and no longer found the post there."""

    post_id: int
    url: str
    title: str
    story_id: int
    incident_id: int | None
    source: str | None
    off_list: bool = False


def _listed_without(after: ColumnElement[object]) -> ColumnElement[bool]:
    """A poll of the post's source read its list (items found) after `after`, and after the post was
    last seen in it: the post has left its list (deleted, hidden, or pushed off the pages polled)."""
    return exists().where(SourcePoll.source_id == Post.source_id, SourcePoll.outcome.in_(("ok", "partial")),
                          SourcePoll.items_found > 0, SourcePoll.started_at > Post.last_seen_at,
                          SourcePoll.started_at > after)


def list_posts_to_capture(session: Session, limit: int) -> list[PageTarget]:
    """Copies of stories with an incident that have no kept page yet, oldest first."""
    rows = session.execute(
        select(Post.id, Post.url, Post.title, StoryPost.story_id, Incident.id, Source.name)
        .join(StoryPost, StoryPost.post_id == Post.id)
        .join(Incident, Incident.story_id == StoryPost.story_id)
        .outerjoin(Source, Source.id == Post.source_id)
        .outerjoin(EvidencePage, EvidencePage.post_id == Post.id)
        .where(EvidencePage.id.is_(None)).order_by(Post.id).limit(limit)
    ).all()
    return [PageTarget(*row) for row in rows]


def list_pages_to_check(session: Session, due_before: datetime, limit: int) -> list[tuple[EvidencePage, PageTarget]]:
    """Watched pages of tiered stories checked before `due_before`, waiting for their second look, or
    whose post left its list since their last check (looked at now, not an interval later)."""
    off_list = _listed_without(Post.first_seen_at)
    rows = session.execute(
        select(EvidencePage, Post.url, Post.title, StoryPost.story_id, Incident.id, Source.name, off_list)
        .join(Post, Post.id == EvidencePage.post_id)
        .join(StoryPost, StoryPost.post_id == Post.id)
        .join(Story, Story.id == StoryPost.story_id)
        .outerjoin(Incident, Incident.story_id == Story.id)
        .outerjoin(Source, Source.id == Post.source_id)
        .where(EvidencePage.watching.is_(True), EvidencePage.deleted_at.is_(None), Story.tier.is_not(None),
               or_(EvidencePage.checked_at.is_(None), EvidencePage.checked_at <= due_before,
                   EvidencePage.gone_since.is_not(None),
                   _listed_without(func.coalesce(EvidencePage.checked_at, EvidencePage.fetched_at))))
        .order_by(EvidencePage.checked_at, EvidencePage.id).limit(limit)
    ).all()
    return [(page, PageTarget(page.post_id, url, title, story_id, incident_id, source, bool(gone)))
            for page, url, title, story_id, incident_id, source, gone in rows]


def count_stored_bytes(session: Session) -> int:
    """Compressed bytes of every kept page and screenshot."""
    return int(session.scalar(select(func.coalesce(func.sum(EvidencePage.stored_size), 0))) or 0)


def stop_watching_before(session: Session, before: datetime) -> int:
    """Stop re-checking pages first fetched before `before`; return how many."""
    pages = session.scalars(select(EvidencePage).where(EvidencePage.watching.is_(True),
                                                       EvidencePage.fetched_at < before)).all()
    for page in pages:
        page.watching = False
    return len(pages)


def list_pages_to_render(session: Session, limit: int) -> list[EvidencePage]:
    """Kept pages without a screenshot that were not tried yet, oldest first."""
    return list(session.scalars(
        select(EvidencePage).where(EvidencePage.content.is_not(None), EvidencePage.screenshot.is_(None),
                                   EvidencePage.screenshot_note.is_(None))
        .order_by(EvidencePage.id).limit(limit)))


def get_evidence_page(session: Session, post_id: int) -> EvidencePage | None:
    """The kept page of a post, or None."""
    return session.scalar(select(EvidencePage).where(EvidencePage.post_id == post_id))


def list_story_evidence(session: Session, story_id: int) -> list[tuple[Post, EvidencePage | None]]:
    """Each post of a story (oldest first) with its kept page, if any."""
    rows = session.execute(
        select(Post, EvidencePage).join(StoryPost, StoryPost.post_id == Post.id)
        .outerjoin(EvidencePage, EvidencePage.post_id == Post.id)
        .where(StoryPost.story_id == story_id).order_by(Post.first_seen_at, Post.id)
    ).all()
    return [(post, page) for post, page in rows]


def _held_by_incident(closed_after: datetime) -> ColumnElement[bool]:
    """The post belongs to a story whose incident is not closed, or closed after `closed_after`."""
    return exists().where(StoryPost.post_id == Post.id, Incident.story_id == StoryPost.story_id,
                          or_(Incident.status != "closed", Incident.closed_at.is_(None),
                              Incident.closed_at > closed_after))


def evidence_held(closed_after: datetime) -> ColumnElement[bool]:
    """For `Post`: it has a kept page its incident still keeps (open, or closed after `closed_after`);
    the retention job leaves such posts (and so their evidence) in place however old."""
    return exists().where(EvidencePage.post_id == Post.id) & _held_by_incident(closed_after)


def drop_expired_evidence(session: Session, closed_before: datetime) -> int:
    """Remove the bytes and screenshots kept of posts whose incidents all closed before `closed_before`
    (the row stays: URL, times, SHA-256, deletion); return how many pages lost their bytes."""
    closed = exists().where(StoryPost.post_id == Post.id, Incident.story_id == StoryPost.story_id)
    expired = select(EvidencePage.id).join(Post, Post.id == EvidencePage.post_id).where(
        or_(EvidencePage.content.is_not(None), EvidencePage.screenshot.is_not(None)),
        closed, ~_held_by_incident(closed_before))  # a post of no incident (moved?) is not judged here
    pages = session.scalars(select(EvidencePage).where(EvidencePage.id.in_(expired))).all()
    for page in pages:
        page.content = page.screenshot = None
        page.stored_size, page.note, page.watching = 0, BYTES_EXPIRED, False
    return len(pages)
