"""Analysis-stage jobs: stored posts → analyses (schemes, sentiment, category, keywords) → stories
(assignment, metrics, tiers) → bursts.

Each is `step(settings, sessions, *, now) -> summary`, commits its own work batch by batch, and
uses only `now` for time, so a test (or a replay) can drive it through any timeline. Posts are
analysed once; a new model, scheme set, category rule or threshold changes the analysis version,
and posts analysed under an older version are analysed again.
"""

from __future__ import annotations

import gc
import logging
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from yuqing.analysis import band_store, store
from yuqing.analysis.analyzer import Analyzer
from yuqing.analysis.band_index import BandIndex, Counted, band_keys
from yuqing.analysis.bursts import BASELINE_DAYS, HOUR, measure_scheme
from yuqing.analysis.forecast import forecast_tier
from yuqing.analysis.metrics import DAY, PostFacts, compute_metrics, judge_story
from yuqing.analysis.models import Story
from yuqing.analysis.post_store import count_stale_analyses, list_posts_to_analyze, save_analyses
from yuqing.analysis.similarity import band_layout, clean_title, statement_text
from yuqing.analysis.stories import (
    MAX_STORIES,
    POSTS_PER_STORY,
    Assigner,
    Assignment,
    Incoming,
    compute_bands,
)
from yuqing.analysis.tiers import classify_tier, raise_tier
from yuqing.config.database import transaction
from yuqing.config.settings import Settings

log = logging.getLogger(__name__)

BATCH = 500
MAX_STALE_PER_RUN = 20_000  # re-analysis after an upgrade is spread over runs; new posts never wait


@dataclass
class AnalyzeReport:
    """What one analysis run did."""

    version: str = ""
    analyzed: int = 0
    reanalyzed: int = 0
    changed: int = 0
    relevant: int = 0
    negative: int = 0
    stale_left: int = 0

    def __str__(self) -> str:
        text = (f"analysed {self.analyzed} new posts ({self.relevant} relevant, {self.negative} "
                f"relevant and negative)")
        if self.reanalyzed:
            text += f", re-analysed {self.reanalyzed} ({self.changed} changed)"
        if self.stale_left:
            text += f", {self.stale_left} left for the next runs"
        return text


def analyze_posts(settings: Settings, sessions: sessionmaker[Session], *, now: datetime,
                  batch: int = BATCH, max_stale: int = MAX_STALE_PER_RUN) -> AnalyzeReport:
    """Analyse new posts, then up to `max_stale` posts analysed under an older version."""
    analyzer = Analyzer(settings)  # AnalysisError (model file missing) fails the whole step
    report = AnalyzeReport(version=analyzer.version)
    for stale in (False, True):
        after = 0
        while not stale or report.reanalyzed < max_stale:
            with sessions() as session:
                posts = list_posts_to_analyze(session, analyzer.version, stale=stale, after=after,
                                              limit=batch)
            if not posts:
                break
            results = analyzer.analyze_many([(p.title, p.body) for p in posts])
            with transaction(sessions) as session:
                changed = save_analyses(session, [(p.id, r) for p, r in zip(posts, results, strict=True)],
                                        version=analyzer.version, now=now)
            after = posts[-1].id
            if stale:
                report.reanalyzed += len(posts)
                report.changed += changed
            else:
                report.analyzed += len(posts)
                report.relevant += sum(r.relevant for r in results)
                report.negative += sum(r.relevant and r.negative for r in results)
    if report.reanalyzed >= max_stale:
        with sessions() as session:
            report.stale_left = count_stale_analyses(session, analyzer.version)
    log.info("analysis %s: %s", analyzer.version, report)
    return report


ASSIGN_BATCH = 2000
PENDING_SCAN = 50_000  # unassigned posts read per scan (one writer assigns them: SPEC's rule)
BATCH_SPAN = timedelta(hours=1)
UPDATE_BATCH = 200
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
        summary.pruned = band_store.delete_bands_before(session, now - settings.stories.window - BAND_MARGIN)
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


def _assign_batch(settings: Settings, session: Session, batch: list[band_store.NewPost],
                  texts: dict[int, str]) -> list[Assignment]:
    """Assign one batch inside the session's transaction."""
    window = settings.stories.window
    span = math.ceil(window / HOUR)
    folded = [statement_text(p.title, p.body) for p in batch]
    hashes, sketches = compute_bands(folded, band_layout(settings.stories.lsh_threshold))
    keyed = np.array([bool(text) for text in folded])  # an empty text has no bands
    hours = np.array([band_store.hour_of(p.first_seen_at) for p in batch], dtype=np.int64)
    keys = band_keys(np.arange(hashes.shape[1]), hashes)
    found: list[Sequence[Counted]] = [()] * len(batch)
    if keyed.any():  # the stored rows this batch can match, ranked for every post at once
        rows = band_store.list_band_rows(session, hashes[keyed], int(hours.min()) - span, int(hours.max()) + span)
        looked = BandIndex.from_rows(*rows).lookup(keys[keyed], hours[keyed], span, BAND_CAP, MAX_STORIES,
                                                   POSTS_PER_STORY)
        for i, hits in zip(np.flatnonzero(keyed).tolist(), looked, strict=True):
            found[i] = hits
    assigner = Assigner(lambda ids: band_store.list_sketches(session, ids),
                        lambda ids: band_store.list_statement_texts(session, ids),
                        settings.stories.containment, window, texts)
    incoming = [Incoming(p.post_id, text, p.first_seen_at, sketch)
                for p, text, sketch in zip(batch, folded, sketches, strict=True)]
    screened = assigner.prefetch(incoming, found)
    assignments = [assigner.assign(post, post_keys if has_text else (), hits) for post, post_keys, has_text, hits
                   in zip(incoming, keys.tolist(), keyed.tolist(), screened, strict=True)]
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
    band_store.save_memberships(session, members, _band_rows(batch, story_ids, hours, hashes, keyed),
                                [(a.post_id, sketch) for a, sketch in zip(assignments, sketches, strict=True)])
    store.mark_stories_joined(session, {sid: at for sid, at in last_at.items() if sid > 0})
    return assignments


def _band_rows(batch: list[band_store.NewPost], story_ids: np.ndarray, hours: np.ndarray, hashes: np.ndarray,
               keyed: np.ndarray) -> list[tuple[int, ...]]:
    """story_bands rows (day, band, hash, post_id, story_id, seen_hour) of the posts with a text."""
    post_ids = np.array([p.post_id for p in batch], dtype=np.int64)[keyed]
    width = hashes.shape[1]
    hours = hours[keyed]
    columns = (np.repeat(hours // 24, width), np.tile(np.arange(width), len(post_ids)), hashes[keyed].ravel(),
               np.repeat(post_ids, width), np.repeat(story_ids[keyed], width), np.repeat(hours, width))
    return list(zip(*(column.tolist() for column in columns), strict=True))


def _story_row(post: band_store.NewPost, last_post_at: datetime) -> dict[str, Any]:
    return {
        "title": clean_title(post.title, post.body), "summary": clean_title(post.body, "", 200),
        "first_post_id": post.post_id, "first_site": post.site, "first_seen_at": post.first_seen_at,
        "last_post_at": last_post_at, "sites": [post.site], "posts": 1, "schemes": [], "metrics": {},
        "dirty": True, "negativity": 0.0, "negative": False, "relevant": False, "clicks_24h": 0,
        "reposts": 0, "clicks_per_hour": 0.0, "reposts_per_hour": 0.0, "archived": False,
    }


@dataclass
class UpdateSummary:
    """What update_stories did: stories recomputed and the tiers raised."""

    stories: int = 0
    raised: list[tuple[int, str]] = field(default_factory=list)

    def __str__(self) -> str:
        raised = ", ".join(f"story {sid} → {tier}" for sid, tier in self.raised) or "no tier raised"
        return f"{self.stories} stories updated; {raised}"


def update_stories(settings: Settings, sessions: sessionmaker[Session], *, now: datetime) -> UpdateSummary:
    """Recompute metrics of changed stories, tier them, and record each tier reached (TierChange)."""
    summary = UpdateSummary()
    done: set[int] = set()
    while True:
        with transaction(sessions) as session:
            found = store.list_stories_to_update(session, now, settings.stories.window, UPDATE_BATCH)
            ids = [i for i in found if i not in done]  # a processed story is clean: never twice
            if not ids:
                break
            facts = store.list_story_facts(session, ids, now, since=now - DAY)
            for story in store.get_stories(session, ids).values():
                raised = _update_story(settings, session, story, facts.get(story.id, []), now)
                if raised:
                    summary.raised.append((story.id, raised))
        done.update(ids)
        summary.stories += len(ids)
    return summary


def _update_story(settings: Settings, session: Session, story: Story, members: list[PostFacts],
                  now: datetime) -> str | None:
    metrics = compute_metrics(members, now)
    opinion = judge_story(members, settings.tiers.negative_threshold)
    figures = metrics.as_dict() | {"negativity": opinion.negativity}
    decision = raise_tier(story.tier, classify_tier(metrics, opinion.negative, opinion.relevant, settings.tiers))
    if decision is not None and decision.tier is not None:
        store.record_tier_change(session, story, decision.tier, story.tier, decision.reason, figures, now)
        log.info("tier raised", extra={"story_id": story.id, "tier": decision.tier, "reason": decision.reason})
        story.tier, story.tier_reason, story.tier_at = decision.tier, decision.reason, now
    forecast = forecast_tier(metrics, story.tier, opinion.negative, opinion.relevant, settings.tiers)
    first = next((m for m in members if m.post_id == metrics.first_post_id), None)
    if first is not None:
        story.title = clean_title(first.title) or story.title
        story.first_post_id, story.first_site = first.post_id, first.site
    if metrics.first_seen_at is not None:
        story.first_seen_at = metrics.first_seen_at
    story.sites, story.posts = metrics.sites, metrics.posts
    story.clicks_24h, story.reposts = metrics.clicks_24h, metrics.reposts
    story.clicks_per_hour, story.reposts_per_hour = metrics.clicks_per_hour, metrics.reposts_per_hour
    story.negativity, story.negative, story.relevant = opinion.negativity, opinion.negative, opinion.relevant
    story.schemes, story.category = opinion.schemes, opinion.category
    story.metrics, story.metrics_at, story.dirty = figures, now, False
    story.forecast = forecast.as_dict() if forecast else None
    return decision.tier if decision else None


@dataclass
class BurstSummary:
    """What detect_bursts did: schemes tested and surges recorded."""

    schemes: int = 0
    bursts: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.schemes} schemes tested; " + ("; ".join(self.bursts) or "no burst")


def detect_bursts(settings: Settings, sessions: sessionmaker[Session], *, now: datetime) -> BurstSummary:
    """Flag schemes whose post volume in the last hour is improbable under their 7-day baseline."""
    summary = BurstSummary()
    with transaction(sessions) as session:
        history_start = store.get_history_start(session)
        if history_start is None:
            return summary
        rows = store.list_scheme_posts(session, now - HOUR - (BASELINE_DAYS + 1) * DAY, now)
        names = [s.name for s in settings.schemes] or ["*"]
        for name in names:
            times = [at for schemes, at in rows if name == "*" or name in schemes]
            test = measure_scheme(name, times, now, history_start)
            summary.schemes += 1
            if test is None or not test.is_burst(settings.stories.burst_p_value, settings.stories.burst_min_posts):
                continue
            row = store.save_burst(session, {
                "scheme": name, "window_start": test.window_start, "window_end": test.window_end,
                "observed": test.observed, "expected": test.expected, "p_value": test.p_value,
                "detected_at": now, "note": test.note,
            })
            if row is not None:
                summary.bursts.append(f"{name}: {test.note}")
                log.info("burst", extra={"scheme": name, "observed": test.observed})
    return summary
