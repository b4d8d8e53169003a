"""Evidence lines of a story: story id in, each copy's kept page as `EvidenceLine` (no page bytes
loaded), and the screenshots of chosen copies; read by the 专报 and the console's pages."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.alerts.reports.model import EvidenceLine
from yuqing.analysis.models import StoryPost
from yuqing.collector.models import EvidencePage, Post


def list_evidence(session: Session, story_id: int) -> list[EvidenceLine]:
    """Every copy of the story, oldest first, with what was kept of its page (if anything)."""
    rows = session.execute(
        select(Post.id, Post.site, Post.title, Post.url, EvidencePage.fetched_at, EvidencePage.status,
               EvidencePage.sha256, EvidencePage.raw_size, EvidencePage.content.is_not(None),
               EvidencePage.screenshot.is_not(None), EvidencePage.note, EvidencePage.gone_since,
               EvidencePage.deleted_at)
        .join(StoryPost, StoryPost.post_id == Post.id)
        .outerjoin(EvidencePage, EvidencePage.post_id == Post.id)
        .where(StoryPost.story_id == story_id).order_by(Post.first_seen_at, Post.id)
    ).tuples().all()
    return [EvidenceLine(post_id, site, title or "", url, fetched, status, sha, size or 0, bool(kept),
                         bool(shot), note, gone, deleted)
            for post_id, site, title, url, fetched, status, sha, size, kept, shot, note, gone, deleted in rows]


def get_screenshot(session: Session, post_id: int) -> bytes | None:
    """The PNG kept of a post's page, or None."""
    return session.scalar(select(EvidencePage.screenshot).where(EvidencePage.post_id == post_id))


def get_kept_page(session: Session, post_id: int) -> tuple[bytes, str | None] | None:
    """The kept page of a post as stored (zlib) with its SHA-256, or None when no bytes are kept."""
    row = session.execute(select(EvidencePage.content, EvidencePage.sha256)
                          .where(EvidencePage.post_id == post_id, EvidencePage.content.is_not(None))).first()
    return (row[0], row[1]) if row is not None else None
