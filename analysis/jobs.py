"""Analysis-stage jobs: stored posts → analyses (schemes, sentiment, category, keywords); stories →
metrics and tiers; bursts. Story assignment, between the first two, is `assignment.py`.

Each is `step(settings, sessions, *, now) -> summary`, commits its own work batch by batch, and
uses only `now` for time, so a test (or a replay) can drive it through any timeline. Posts are
analysed once; a new model, scheme set, category rule or threshold changes the analysis version,
and posts analysed under an older version are analysed again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from yuqing.analysis import burst_store, store
from yuqing.analysis.analyzer import Analyzer
from yuqing.analysis.bursts import burst_windows, measure_counts
from yuqing.analysis.forecast import forecast_tier
from yuqing.analysis.metrics import DAY, PostFacts, compute_metrics, judge_story
from yuqing.analysis.models import Story
from yuqing.analysis.post_store import count_stale_analyses, list_posts_to_analyze, save_analyses
from yuqing.analysis.text import clean_title
from yuqing.analysis.tiers import classify_tier, raise_tier
from yuqing.config.database import transaction
from yuqing.config.settings import Settings

log = logging.getLogger(__name__)

BATCH = 500
UPDATE_BATCH = 200
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
    """Flag schemes whose post volume in the last hour is improbable under their 7-day baseline.

    The database counts each scheme's posts in the test's periods (`burst_store.count_scheme_posts`,
    over the rows the analysis keeps per scheme); no post is read here.
    """
    summary = BurstSummary()
    with transaction(sessions) as session:
        history_start = burst_store.get_history_start(session)
        if history_start is None:
            return summary
        names = [s.name for s in settings.schemes] or [burst_store.ALL]
        summary.schemes = len(names)
        windows = burst_windows(now, history_start)
        if windows is None:  # less than a day of history: no baseline yet
            return summary
        for name, counts in burst_store.count_scheme_posts(session, names, windows).items():
            test = measure_counts(name, windows, *counts)
            if not test.is_burst(settings.stories.burst_p_value, settings.stories.burst_min_posts):
                continue
            row = burst_store.save_burst(session, {
                "scheme": name, "window_start": test.window_start, "window_end": test.window_end,
                "observed": test.observed, "expected": test.expected, "p_value": test.p_value,
                "detected_at": now, "note": test.note,
            })
            if row is not None:
                summary.bursts.append(f"{name}: {test.note}")
                log.info("burst", extra={"scheme": name, "observed": test.observed})
    return summary
