"""Analysis-stage queries: posts still to analyse, their stored analyses, recent posts for previews."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from yuqing.analysis.analyzer import AnalysisResult
from yuqing.analysis.burst_store import replace_scheme_posts
from yuqing.analysis.models import PostAnalysis, Story, StoryPost
from yuqing.collector.models import Post


@dataclass(frozen=True)
class PostText:
    """The text of one stored post, for analysis."""

    id: int
    title: str
    body: str


@dataclass(frozen=True)
class RecentPost:
    """A stored post with its stored negativity (None when never analysed) and its model."""

    id: int
    site: str
    url: str
    title: str
    body: str
    first_seen_at: datetime
    negativity: float | None
    model_version: str | None


def list_posts_to_analyze(session: Session, version: str, *, stale: bool, after: int = 0,
                          limit: int = 500) -> list[PostText]:
    """Posts never analysed (or, with `stale`, analysed under another version), by id."""
    query = select(Post.id, Post.title, Post.body).where(Post.id > after).order_by(Post.id).limit(limit)
    if stale:
        query = query.join(PostAnalysis, PostAnalysis.post_id == Post.id).where(
            PostAnalysis.model_version != version)
    else:
        query = query.outerjoin(PostAnalysis, PostAnalysis.post_id == Post.id).where(
            PostAnalysis.post_id.is_(None))
    return [PostText(id, title or "", body or "") for id, title, body in session.execute(query)]


def count_stale_analyses(session: Session, version: str) -> int:
    """How many stored analyses were made under another version."""
    query = select(func.count()).select_from(PostAnalysis).where(PostAnalysis.model_version != version)
    return session.scalar(query) or 0


def save_analyses(session: Session, results: Sequence[tuple[int, AnalysisResult]], *, version: str,
                  now: datetime) -> int:
    """Store each post's analysis (insert or replace) and its rows per scheme (`SchemePost`, what burst
    detection counts); mark stories of changed posts dirty.

    Returns how many already-analysed posts changed their conclusion.
    """
    ids = [post_id for post_id, _ in results]
    existing = {row.post_id: row for row in
                session.scalars(select(PostAnalysis).where(PostAnalysis.post_id.in_(ids)))}
    changed: list[int] = []
    for post_id, result in results:
        row = existing.get(post_id)
        if row is None:
            row = PostAnalysis(post_id=post_id)
            session.add(row)
        elif _conclusion(row) != (result.negative, result.relevant, result.category, result.schemes):
            changed.append(post_id)
        row.model_version, row.analyzed_at = version, now
        row.negativity, row.negative, row.relevant = result.negativity, result.negative, result.relevant
        row.category, row.schemes, row.keywords = result.category, result.schemes, result.keywords
    replace_scheme_posts(session, [(post_id, r.relevant, r.schemes) for post_id, r in results])
    if changed:
        members = select(StoryPost.story_id).where(StoryPost.post_id.in_(changed))
        session.execute(update(Story).where(Story.id.in_(members)).values(dirty=True))
    session.flush()
    return len(changed)


def _conclusion(row: PostAnalysis) -> tuple[bool, bool, str | None, list[str]]:
    return row.negative, row.relevant, row.category, list(row.schemes or [])


def list_recent_posts(session: Session, since: datetime, batch: int = 1000) -> Iterator[RecentPost]:
    """Posts first seen since `since`, newest first, streamed in batches."""
    query = (
        select(Post.id, Post.site, Post.url, Post.title, Post.body, Post.first_seen_at,
               PostAnalysis.negativity, PostAnalysis.model_version)
        .outerjoin(PostAnalysis, PostAnalysis.post_id == Post.id)
        .where(Post.first_seen_at >= since)
        .order_by(Post.first_seen_at.desc(), Post.id.desc())
        .execution_options(yield_per=batch)
    )
    for row in session.execute(query):
        yield RecentPost(*row)
