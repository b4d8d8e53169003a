"""Analysis-stage jobs: stored posts → stored analyses (schemes, sentiment, category, keywords).

Posts are analysed once; a new model, scheme set, category rule or threshold changes the
analysis version, and posts analysed under an older version are analysed again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from analysis.analyzer import Analyzer
from analysis.store import count_stale_analyses, list_posts_to_analyze, save_analyses
from config.database import transaction
from config.settings import Settings

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
