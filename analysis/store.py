"""Analysis-stage queries for stories: new stories, members and snapshots, tiers, replay (bursts:
burst_store.py).

Session first; nothing here commits (the job boundary does). Assignment's own queries (band
rows, sketches, statement texts) are in band_store.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, func, insert, or_, select, update
from sqlalchemy.orm import Session

from yuqing.analysis.band_store import chunks
from yuqing.analysis.metrics import Observation, PostFacts
from yuqing.analysis.models import PostAnalysis, Story, StoryPost, TierChange
from yuqing.analysis.replay import replay_story
from yuqing.collector.models import Post, Snapshot
from yuqing.config.database import UTCDateTime
from yuqing.config.settings import TierSettings


def save_stories(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert new stories; return their ids in the order given."""
    if not rows:
        return []
    result = session.scalars(insert(Story).returning(Story.id, sort_by_parameter_order=True), rows)
    return list(result)


def mark_stories_joined(session: Session, joined: dict[int, datetime]) -> None:
    """Stories that gained posts become dirty; their last_post_at moves forward."""
    if not joined:
        return
    table = Story.__table__
    at = bindparam("at", type_=UTCDateTime())
    session.execute(
        update(table)
        .where(table.c.id == bindparam("sid"))
        .values(dirty=True, last_post_at=case((table.c.last_post_at < at, at), else_=table.c.last_post_at)),
        [{"sid": sid, "at": when} for sid, when in joined.items()],
    )


def list_stories_to_update(session: Session, now: datetime, lookback: timedelta, limit: int) -> list[int]:
    """Dirty stories, stories whose posts have snapshots newer than their metrics, and stale hot ones.

    Snapshots are scanned from an hour before the last update (late commits of a collection
    that started before it), never further back than `lookback`.
    """
    last_update = session.scalar(select(func.max(Story.metrics_at)).where(Story.metrics_at <= now))
    since = max(now - lookback, last_update - timedelta(hours=1)) if last_update else now - lookback
    newer = (
        select(StoryPost.story_id)
        .join(Snapshot, Snapshot.post_id == StoryPost.post_id)
        .join(Story, Story.id == StoryPost.story_id)
        .where(Snapshot.taken_at > since, Snapshot.taken_at <= now,
               or_(Story.metrics_at.is_(None), Snapshot.taken_at > Story.metrics_at))
    )
    # Figures decay as growth leaves the windows: refresh hourly the stories that can be tiered.
    hot = or_(Story.clicks_24h > 0, Story.clicks_per_hour > 0, Story.reposts_per_hour > 0)
    stale = and_(Story.metrics_at < now - timedelta(hours=1), Story.relevant.is_(True),
                 Story.negative.is_(True), hot)
    query = (
        select(Story.id)
        .where(or_(Story.dirty.is_(True), Story.id.in_(newer), stale))
        .order_by(Story.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def _observations(session: Session, post_ids: Sequence[int], now: datetime,
                  since: datetime | None) -> dict[int, list[Observation]]:
    found: dict[int, list[Observation]] = defaultdict(list)
    columns = (Snapshot.post_id, Snapshot.taken_at, Snapshot.views, Snapshot.replies, Snapshot.reposts,
               Snapshot.likes)
    for chunk in chunks(post_ids):
        where = [Snapshot.post_id.in_(chunk), Snapshot.taken_at <= now]
        queries = [select(*columns).where(*where, *([Snapshot.taken_at > since] if since else []))]
        if since is not None:
            last = (select(Snapshot.post_id.label("pid"), func.max(Snapshot.taken_at).label("t"))
                    .where(Snapshot.post_id.in_(chunk), Snapshot.taken_at <= since)
                    .group_by(Snapshot.post_id).subquery())
            queries.append(select(*columns).join(last, and_(Snapshot.post_id == last.c.pid,
                                                            Snapshot.taken_at == last.c.t)))
        for query in queries:
            for post_id, at, views, replies, reposts, likes in session.execute(query):
                found[post_id].append(Observation(at, views, replies, reposts, likes))
    for series in found.values():
        series.sort(key=lambda o: o.at)
    return found


def list_story_facts(session: Session, story_ids: Sequence[int], now: datetime,
                     since: datetime | None = None) -> dict[int, list[PostFacts]]:
    """Member posts of each story with their analyses and snapshots up to `now`.

    With `since`, only snapshots after it plus the last one at or before it are loaded
    (enough for every figure of a 24-hour window starting at or after `since`).
    """
    rows = session.execute(
        select(StoryPost.story_id, Post, PostAnalysis)
        .join(Post, Post.id == StoryPost.post_id)
        .outerjoin(PostAnalysis, PostAnalysis.post_id == Post.id)
        .where(StoryPost.story_id.in_(story_ids))
    ).all()
    observations = _observations(session, [post.id for _, post, _ in rows], now, since)
    facts: dict[int, list[PostFacts]] = defaultdict(list)
    for story_id, post, analysis in rows:
        series = observations.get(post.id) or [
            Observation(post.first_seen_at, post.views, post.replies, post.reposts, post.likes)
        ]
        facts[story_id].append(PostFacts(
            post_id=post.id, site=post.site, url=post.url, title=post.title,
            published_at=post.published_at, first_seen_at=post.first_seen_at,
            observations=tuple(series), length=len(post.title) + len(post.body),
            negativity=analysis.negativity if analysis else 0.0,
            negative=bool(analysis and analysis.negative), relevant=bool(analysis and analysis.relevant),
            category=analysis.category if analysis else None,
            schemes=tuple(analysis.schemes or ()) if analysis else (),
        ))
    return facts


def get_stories(session: Session, story_ids: Sequence[int]) -> dict[int, Story]:
    """Story rows by id."""
    return {s.id: s for s in session.scalars(select(Story).where(Story.id.in_(story_ids)))}


def record_tier_change(session: Session, story: Story, tier: str, previous: str | None, reason: str,
                       metrics: dict[str, Any], at: datetime) -> TierChange | None:
    """Add the TierChange for a tier the story reached, unless one exists (unique per story and tier)."""
    exists = session.scalar(select(TierChange.id).where(TierChange.story_id == story.id, TierChange.tier == tier))
    if exists is not None:
        return None
    change = TierChange(story_id=story.id, tier=tier, previous_tier=previous, reason=reason,
                        metrics=metrics, raised_at=at)
    session.add(change)
    return change


def list_stories(session: Session, *, tier: str | None = None, since: datetime | None = None,
                 limit: int | None = None) -> list[Story]:
    """Stories for display: highest tier first, then hottest, then most recent."""
    query = select(Story).where(Story.archived.is_(False))
    if tier == "none":
        query = query.where(Story.tier.is_(None))
    elif tier:
        query = query.where(Story.tier == tier)
    if since is not None:
        query = query.where(Story.last_post_at >= since)
    rank = case({"critical": 4, "major": 3, "significant": 2, "general": 1}, value=Story.tier, else_=0)
    query = query.order_by(rank.desc(), Story.clicks_24h.desc(), Story.last_post_at.desc(), Story.id.desc())
    return list(session.scalars(query.limit(limit) if limit else query))


@dataclass(frozen=True)
class ReplayRow:
    """One alert a replay says would have fired, with the story and when it really fired (if it did)."""

    at: datetime
    story_id: int
    title: str
    tier: str
    previous_tier: str | None
    reason: str
    metrics: dict[str, Any]
    actual_at: datetime | None


def list_active_story_ids(session: Session, since: datetime, until: datetime) -> list[int]:
    """Stories that gained a post or a snapshot between `since` and `until`."""
    by_posts = (select(StoryPost.story_id).join(Post, Post.id == StoryPost.post_id)
                .where(Post.first_seen_at >= since, Post.first_seen_at <= until))
    by_snapshots = (select(StoryPost.story_id).join(Snapshot, Snapshot.post_id == StoryPost.post_id)
                    .where(Snapshot.taken_at >= since, Snapshot.taken_at <= until))
    return sorted(set(session.scalars(by_posts)) | set(session.scalars(by_snapshots)))


def list_replayed_changes(session: Session, rules: TierSettings, since: datetime,
                          until: datetime) -> list[ReplayRow]:
    """Re-tier every story active in the period from stored data under `rules`; reads only."""
    rows: list[ReplayRow] = []
    ids = list_active_story_ids(session, since, until)
    for chunk in chunks(ids, 100):
        facts = list_story_facts(session, chunk, until)
        titles = dict(session.execute(select(Story.id, Story.title).where(Story.id.in_(chunk))).all())
        actual = {(c.story_id, c.tier): c.raised_at
                  for c in session.scalars(select(TierChange).where(TierChange.story_id.in_(chunk)))}
        for story_id in chunk:
            for change in replay_story(facts.get(story_id, []), rules, since, until):
                rows.append(ReplayRow(change.at, story_id, titles.get(story_id, ""), change.tier,
                                      change.previous, change.reason, change.metrics,
                                      actual.get((story_id, change.tier))))
    return sorted(rows, key=lambda r: (r.at, r.story_id))
