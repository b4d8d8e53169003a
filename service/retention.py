"""Retention, the service's daily job: old snapshots, polls, posts, deliveries and job runs out,
stories whose posts are gone archived with their figures kept (`[retention]`).

Evidence outlives this: a post with a kept page stays while its incident is open or closed less than
`evidence.keep_after_close` ago; after that the page's bytes go (its hash and times stay with the row).

A post goes when it is older than `retention.posts` and its story (if any) is archived too: a
story that still gains copies keeps its oldest posts, its origin (源头) among them.

Each kept post keeps its latest snapshot however old: a story's `reposts` adds up its posts'
latest counts, so removing it would shrink the figure of a story that gains a copy later. It also
keeps the last snapshot before the cutoff (the count held then: the series is step-wise), and
snapshots older than `retention.hourly_snapshots_after` are thinned to the last of each hour.

Deletes go in chunks, one transaction each, so the single SQLite writer is never held for long.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from yuqing.config.database import transaction
from yuqing.config.settings import Settings
from yuqing.service.evidence_store import drop_expired_evidence, evidence_held
from yuqing.service.store import (
    archive_stories,
    delete_in_chunks,
    old_posts_outside_active_stories,
    rows_before,
    superseded_snapshots_before,
    thin_snapshots,
)

JOB_RUNS_MAX_AGE = timedelta(days=30)  # runs of jobs that left the configuration


@dataclass
class RetentionSummary:
    """What one retention run removed or archived."""

    snapshots: int = 0
    thinned: int = 0
    polls: int = 0
    stories_archived: int = 0
    posts: int = 0
    deliveries: int = 0
    job_runs: int = 0
    evidence_expired: int = 0

    def __str__(self) -> str:
        return (f"removed {self.snapshots} snapshots ({self.thinned} thinned to hourly), {self.polls} polls, "
                f"{self.posts} posts, {self.deliveries} deliveries, {self.job_runs} job runs, the bytes of "
                f"{self.evidence_expired} evidence pages; archived {self.stories_archived} stories")


def apply_retention(settings: Settings, sessions: sessionmaker[Session], *, now: datetime) -> RetentionSummary:
    """Remove what is older than `[retention]` allows; archive stories whose posts are all that old,
    then remove the old posts of archived stories and of none."""
    keep = settings.retention
    summary = RetentionSummary()
    summary.snapshots = delete_in_chunks(sessions, *superseded_snapshots_before(now - keep.snapshots))
    summary.thinned = thin_snapshots(sessions, now - keep.hourly_snapshots_after)
    summary.snapshots += summary.thinned
    summary.polls = delete_in_chunks(sessions, *rows_before("polls", now - keep.snapshots))
    with transaction(sessions) as session:
        summary.stories_archived = archive_stories(session, now - keep.posts)
    evidence_cutoff = now - settings.evidence.keep_after_close
    with transaction(sessions) as session:
        summary.evidence_expired = drop_expired_evidence(session, evidence_cutoff)
    model, old_posts = old_posts_outside_active_stories(now - keep.posts)
    summary.posts = delete_in_chunks(sessions, model, old_posts & ~evidence_held(evidence_cutoff))
    summary.deliveries = delete_in_chunks(sessions, *rows_before("deliveries", now - keep.deliveries))
    summary.job_runs = delete_in_chunks(sessions, *rows_before("job_runs", now - JOB_RUNS_MAX_AGE))
    return summary
