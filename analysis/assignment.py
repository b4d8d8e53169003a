"""Analysis-stage job, story assignment: analysed posts without a story → each joins the story of its
best-containing earlier post in the window, or founds one; memberships, band rows and sketches stored.

`assign_stories(settings, sessions, *, now) -> AssignSummary`, committing batch by batch, like the
other jobs of the stage (`jobs.py`); the pure matching is in `stories.py`.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from yuqing.analysis import band_store, segment_store, store
from yuqing.analysis.band_index import BandIndex, Counted, band_keys
from yuqing.analysis.boilerplate import (
    Segmented,
    Statement,
    batch_counts,
    boilerplate_keys,
    filter_statement,
    post_keys,
)
from yuqing.analysis.bursts import HOUR
from yuqing.analysis.similarity import band_layout
from yuqing.analysis.stories import (
    MAX_STORIES,
    POSTS_PER_STORY,
    SHORT_STATEMENT,
    TITLE_BAND,
    TITLE_WEIGHT,
    Assigner,
    Assignment,
    Incoming,
    compute_bands,
    title_keys,
)
from yuqing.analysis.text import clean_title, statement_parts
from yuqing.config.database import transaction
from yuqing.config.settings import Settings

ASSIGN_BATCH = 2000
PENDING_SCAN = 50_000  # unassigned posts read per scan (one writer assigns them: SPEC's rule)
BATCH_SPAN = timedelta(hours=1)
TEXT_CACHE = 100_000  # folded texts kept between batches of one run
BAND_MARGIN = timedelta(days=1)  # bands are kept this long beyond the window, for late posts
BAND_CAP = 32  # per band hash, only the newest posts sharing it are candidates
ANALYZE_EVERY = 2_000  # posts assigned in one run between refreshes of the planner's statistics


@dataclass
class AssignSummary:
    """What assign_stories did."""

    posts: int = 0
    joined: int = 0
    founded: int = 0
    pruned: int = 0

    def __str__(self) -> str:
        return f"{self.posts} posts assigned: {self.joined} joined a story, {self.founded} new stories"


def assign_stories(settings: Settings, sessions: sessionmaker[Session], *, now: datetime) -> AssignSummary:
    """Give every analysed post a story: join the best containing one in the window, or start one."""
    summary = AssignSummary()
    texts: dict[int, str] = {}
    pending: list[band_store.NewPost] = []
    while True:
        if not pending:  # one scan for many batches: finding unassigned posts reads every analysis
            with sessions() as session:
                pending = band_store.list_unassigned_posts(session, PENDING_SCAN)
            if not pending:
                break
        # A batch's look-ups and its band rows keep whole hours, so a batch spans at most an
        # hour: the window is exact to within an hour or two.
        size = next((i for i, p in enumerate(pending[:ASSIGN_BATCH])
                     if p.first_seen_at > pending[0].first_seen_at + BATCH_SPAN), min(len(pending), ASSIGN_BATCH))
        batch, pending = pending[:size], pending[size:]
        if len(texts) > TEXT_CACHE:
            texts.clear()
        with _cycle_collector_paused(), transaction(sessions) as session:
            band_store.tune_for_bulk(session)
            assignments = _assign_batch(settings, session, batch, texts)
        if summary.posts // ANALYZE_EVERY != (summary.posts + len(assignments)) // ANALYZE_EVERY:
            with transaction(sessions) as session:
                band_store.analyze_bands(session)
        summary.posts += len(assignments)
        summary.founded += sum(1 for a in assignments if a.founded)
        summary.joined += sum(1 for a in assignments if not a.founded)
    with transaction(sessions) as session:
        cutoff = now - settings.stories.window - BAND_MARGIN
        summary.pruned = band_store.delete_bands_before(session, cutoff)
        segment_store.delete_rare_segments(session, band_store.hour_of(cutoff) // 24,
                                           max(1, settings.stories.boilerplate_posts))
    return summary


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """No cyclic garbage collection during one batch.

    A batch creates a few hundred thousand short-lived tuples (band rows, hits), which set off
    collections of every generation, each walking the whole heap of a long-running process:
    17-23 % of assignment time at 200,000 posts in the window. They are freed by reference
    counting anyway; anything cyclic is collected once the batch is done.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _statements(settings: Settings, session: Session, batch: list[band_store.NewPost]) -> list[Statement]:
    """Each post's statement without its site's boilerplate, counting the batch's segments in
    (`boilerplate.py`); with `stories.boilerplate_posts` 0, the whole folded text."""
    segmented = [Segmented(p.site, *statement_parts(p.title, p.body)) for p in batch]
    min_posts = settings.stories.boilerplate_posts
    keys = [post_keys(post) if min_posts else [None] * (1 + len(post.segments)) for post in segmented]
    counts = batch_counts(keys) if min_posts else {}
    boilerplate = boilerplate_keys(counts, segment_store.list_segment_counts(session, list(counts)), min_posts)
    segment_store.save_segment_counts(session, counts, band_store.hour_of(batch[-1].first_seen_at) // 24)
    return [filter_statement(post, row, boilerplate) for post, row in zip(segmented, keys, strict=True)]


def _assign_batch(settings: Settings, session: Session, batch: list[band_store.NewPost],
                  texts: dict[int, str]) -> list[Assignment]:
    """Assign one batch inside the session's transaction."""
    window = settings.stories.window
    span = math.ceil(window / HOUR)
    statements = _statements(settings, session, batch)
    folded = [s.text for s in statements]
    lsh, sketches = compute_bands(folded, band_layout(settings.stories.lsh_threshold))
    hashes, numbers, valid = _with_title_keys(lsh, statements, settings.stories.title_join)
    keyed = valid.any(axis=1)  # an empty text has no bands
    hours = np.array([band_store.hour_of(p.first_seen_at) for p in batch], dtype=np.int64)
    keys = band_keys(numbers, np.where(valid, hashes, 0))
    found: list[Sequence[Counted]] = [()] * len(batch)
    if keyed.any():  # the stored rows this batch can match, ranked for every post at once
        rows = band_store.list_band_rows(session, hashes[keyed], numbers, valid[keyed],
                                         int(hours.min()) - span, int(hours.max()) + span)
        short = np.array([len(text) < SHORT_STATEMENT for text in folded])
        looked = BandIndex.from_rows(*rows, heavy=(TITLE_BAND, TITLE_WEIGHT)).lookup(
            keys[keyed], hours[keyed], span, BAND_CAP, MAX_STORIES, POSTS_PER_STORY, short[keyed])
        for i, hits in zip(np.flatnonzero(keyed).tolist(), looked, strict=True):
            found[i] = hits
    assigner = Assigner(lambda ids: band_store.list_sketches(session, ids),
                        lambda ids: band_store.list_statement_texts(session, ids),
                        settings.stories.containment, window,
                        lambda ids: band_store.list_full_stories(session, ids, SHORT_STATEMENT - 2),
                        lambda ids: band_store.count_story_posts(session, ids), settings.stories.title_join, texts)
    incoming = [Incoming(p.post_id, text, p.first_seen_at, sketch, st.template)
                for p, text, sketch, st in zip(batch, folded, sketches, statements, strict=True)]
    screened = assigner.prefetch(incoming, found)
    own_keys = [row[ok].tolist() for row, ok in zip(keys, valid, strict=True)]
    titles = [row[ok].tolist() for row, ok in zip(keys[:, numbers == TITLE_BAND], valid[:, numbers == TITLE_BAND],
                                                   strict=True)]
    assignments = [assigner.assign(post, own, hits, title) for post, own, hits, title
                   in zip(incoming, own_keys, screened, titles, strict=True)]
    posts = {p.post_id: p for p in batch}
    last_at: dict[int, datetime] = {}
    for a in assignments:
        seen = posts[a.post_id].first_seen_at
        last_at[a.story_id] = max(last_at.get(a.story_id, seen), seen)
    founders = [a for a in assignments if a.founded]
    ids = store.save_stories(session, [_story_row(posts[a.post_id], last_at[a.story_id]) for a in founders])
    real = {a.story_id: story_id for a, story_id in zip(founders, ids, strict=True)}
    story_ids = np.array([real.get(a.story_id, a.story_id) for a in assignments], dtype=np.int64)
    members = [(a.post_id, story_id, posts[a.post_id].first_seen_at, a.similarity)
               for a, story_id in zip(assignments, story_ids.tolist(), strict=True)]
    band_store.save_memberships(session, members, _band_rows(batch, story_ids, hours, hashes, numbers, valid),
                                [(a.post_id, sketch) for a, sketch in zip(assignments, sketches, strict=True)])
    store.mark_stories_joined(session, {sid: at for sid, at in last_at.items() if sid > 0})
    return assignments


def _with_title_keys(lsh: np.ndarray, statements: Sequence[Statement],
                     titles: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The LSH band hashes with two title-key columns after them (`stories.title_keys`), the band
    number of each column, and which entries exist (no bands for an empty text, keys only for
    titles and leads long enough, none for a post that is all boilerplate)."""
    extra = np.zeros((len(statements), 2), dtype=np.int64)
    if titles:
        for row, st in enumerate(statements):
            if not st.template:
                found = title_keys(st.title, st.lead)
                extra[row, : len(found)] = found
    numbers = np.r_[np.arange(lsh.shape[1]), [TITLE_BAND, TITLE_BAND]].astype(np.int64)
    has_text = np.array([bool(st.text) for st in statements])
    valid = np.hstack([np.repeat(has_text[:, None], lsh.shape[1], axis=1), extra != 0])
    return np.hstack([lsh, extra]), numbers, valid


def _band_rows(batch: list[band_store.NewPost], story_ids: np.ndarray, hours: np.ndarray, hashes: np.ndarray,
               numbers: np.ndarray, valid: np.ndarray) -> list[tuple[int, ...]]:
    """story_bands rows (day, band, hash, post_id, story_id, seen_hour) of every existing entry."""
    post_index, column = np.nonzero(valid)
    post_ids = np.array([p.post_id for p in batch], dtype=np.int64)
    row_hours = hours[post_index]
    columns = (row_hours // 24, numbers[column], hashes[post_index, column], post_ids[post_index],
               story_ids[post_index], row_hours)
    return list(zip(*(c.tolist() for c in columns), strict=True))


def _story_row(post: band_store.NewPost, last_post_at: datetime) -> dict[str, Any]:
    return {
        "title": clean_title(post.title, post.body), "summary": clean_title(post.body, "", 200),
        "first_post_id": post.post_id, "first_site": post.site, "first_seen_at": post.first_seen_at,
        "last_post_at": last_post_at, "sites": [post.site], "posts": 1, "schemes": [], "metrics": {},
        "dirty": True, "negativity": 0.0, "negative": False, "relevant": False, "clicks_24h": 0,
        "reposts": 0, "clicks_per_hour": 0.0, "reposts_per_hour": 0.0, "archived": False,
    }
