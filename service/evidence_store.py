"""Queries of the evidence steps: copies of alerted stories still to capture, kept pages due a
re-check, the bytes kept so far. Functions take the session first and never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from yuqing.alerts.models import Incident
from yuqing.analysis.models import Story, StoryPost
from yuqing.collector.models import EvidencePage, Post, Source


@dataclass(frozen=True)
class PageTarget:
    """A post whose page is to be fetched: its URL, title, story and incident, whose source it is."""

    post_id: int
    url: str
    title: str
    story_id: int
    incident_id: int | None
    source: str | None


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
    """Watched pages of tiered stories checked before `due_before`, or waiting for their second look."""
    rows = session.execute(
        select(EvidencePage, Post.url, Post.title, StoryPost.story_id, Incident.id, Source.name)
        .join(Post, Post.id == EvidencePage.post_id)
        .join(StoryPost, StoryPost.post_id == Post.id)
        .join(Story, Story.id == StoryPost.story_id)
        .outerjoin(Incident, Incident.story_id == Story.id)
        .outerjoin(Source, Source.id == Post.source_id)
        .where(EvidencePage.watching.is_(True), EvidencePage.deleted_at.is_(None), Story.tier.is_not(None),
               or_(EvidencePage.checked_at.is_(None), EvidencePage.checked_at <= due_before,
                   EvidencePage.gone_since.is_not(None)))
        .order_by(EvidencePage.checked_at, EvidencePage.id).limit(limit)
    ).all()
    return [(page, PageTarget(page.post_id, url, title, story_id, incident_id, source))
            for page, url, title, story_id, incident_id, source in rows]


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
