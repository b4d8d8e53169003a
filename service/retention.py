"""Retention, the service's daily job: old snapshots, polls, posts, deliveries and job runs out,
stories whose posts are gone archived with their figures kept (`[retention]`).

A post goes when it is older than `retention.posts` and its story (if any) is archived too: a
story that still gains copies keeps its oldest posts, its origin (源头) among them.

Each kept post keeps its latest snapshot however old: a story's `reposts` adds up its posts'
latest counts, so removing it would shrink the figure of a story that gains a copy later.

Deletes go in chunks, one transaction each, so the single SQLite writer is never held for long.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from yuqing.alerts.models import Delivery
from yuqing.analysis.models import Story, StoryPost
from yuqing.collector.models import Post, Snapshot, SourcePoll
from yuqing.config.database import transaction
from yuqing.config.settings import Settings
from yuqing.service.models import JobRun

CHUNK = 2_000
JOB_RUNS_MAX_AGE = timedelta(days=30)  # runs of jobs that left the configuration


@dataclass
class RetentionSummary:
    """What one retention run removed or archived."""

    snapshots: int = 0
    polls: int = 0
    stories_archived: int = 0
    posts: int = 0
    deliveries: int = 0
    job_runs: int = 0

    def __str__(self) -> str:
        return (f"removed {self.snapshots} snapshots, {self.polls} polls, {self.posts} posts, "
                f"{self.deliveries} deliveries, {self.job_runs} job runs; archived {self.stories_archived} stories")


def apply_retention(settings: Settings, sessions: sessionmaker[Session], *, now: datetime) -> RetentionSummary:
    """Remove what is older than `[retention]` allows; archive stories whose posts are all that old,
    then remove the old posts of archived stories and of none."""
    keep = settings.retention
    summary = RetentionSummary()
    newer = aliased(Snapshot)
    superseded = exists().where(newer.post_id == Snapshot.post_id, newer.taken_at > Snapshot.taken_at)
    summary.snapshots = delete_in_chunks(sessions, Snapshot, (Snapshot.taken_at < now - keep.snapshots) & superseded)
    summary.polls = delete_in_chunks(sessions, SourcePoll, SourcePoll.started_at < now - keep.snapshots)
    with transaction(sessions) as session:
        summary.stories_archived = archive_stories(session, now - keep.posts)
    in_active_story = (
        select(StoryPost.post_id).join(Story, Story.id == StoryPost.story_id)
        .where(StoryPost.post_id == Post.id, Story.archived.is_(False)).exists()
    )
    summary.posts = delete_in_chunks(sessions, Post, (Post.last_seen_at < now - keep.posts) & ~in_active_story)
    summary.deliveries = delete_in_chunks(sessions, Delivery, Delivery.attempted_at < now - keep.deliveries)
    summary.job_runs = delete_in_chunks(sessions, JobRun, JobRun.started_at < now - JOB_RUNS_MAX_AGE)
    return summary


def archive_stories(session: Session, cutoff: datetime) -> int:
    """Mark archived every story whose last post is older than `cutoff`; its figures stay."""
    result = session.execute(
        update(Story).where(Story.last_post_at < cutoff, Story.archived.is_(False)).values(archived=True)
    )
    return result.rowcount or 0


def delete_in_chunks(sessions: sessionmaker[Session], model: Any, condition: ColumnElement[bool]) -> int:
    """Delete the rows of `model` matching `condition`, CHUNK at a time; return how many went."""
    total = 0
    while True:
        with transaction(sessions) as session:
            ids = session.scalars(select(model.id).where(condition).limit(CHUNK)).all()
            if ids:
                session.execute(delete(model).where(model.id.in_(ids)))
        total += len(ids)
        if len(ids) < CHUNK:
            return total
