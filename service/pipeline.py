"""One pass of the pipeline: collection, then every later stage in order, through the database.

`run_pass` is what `yuqing collect` and the demo call; the service schedules collection per
source and `process` on its own interval. Each step is a stage's job function with the
signature `step(settings, sessions, *, now) -> summary` and commits its own work, so a crash
between two steps loses nothing: the next pass picks up where this one stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from yuqing.alerts import jobs as alert_jobs
from yuqing.alerts.sources import raise_source_alerts
from yuqing.analysis.assignment import assign_stories
from yuqing.analysis.jobs import analyze_posts, detect_bursts, update_stories
from yuqing.analysis.scheme_store import with_console_schemes
from yuqing.collector.jobs import collect
from yuqing.config.database import utcnow
from yuqing.config.settings import Settings
from yuqing.service.evidence import capture_evidence, render_screenshots, watch_deletions

Step = Callable[..., Any]
# A collection that stored new posts brings the next pass forward (a post waits for no
# pipeline_interval to be analysed and alerted on), but passes woken so start at least this far
# apart: `yuqing run` (service/runner.py) and distributed mode's woken passes (service/plan.py).
WAKE_GAP = timedelta(seconds=2)


@dataclass
class PassReport:
    """What one pass did: the collection report and each later step's summary, by step name."""

    started_at: datetime
    collected: Any = None
    steps: dict[str, Any] = field(default_factory=dict)


# The post-collection steps in the order data flows (job ids "<stage>.<function>").
STEPS: tuple[tuple[str, Step], ...] = (
    ("analysis.analyze_posts", analyze_posts),
    ("analysis.assign_stories", assign_stories),
    ("analysis.update_stories", update_stories),
    ("analysis.detect_bursts", detect_bursts),
    ("alerts.raise_alerts", alert_jobs.raise_alerts),
    ("alerts.check_incidents", alert_jobs.check_incidents),
    ("alerts.raise_source_alerts", raise_source_alerts),
    ("alerts.deliver", alert_jobs.deliver),
    # after delivery, so fetching pages never delays an alert
    ("service.capture_evidence", capture_evidence),
    ("service.watch_deletions", watch_deletions),
    ("service.render_screenshots", render_screenshots),
)


def process(settings: Settings, sessions: sessionmaker[Session], *, now: datetime | None = None) -> dict[str, Any]:
    """Run every post-collection step once, in order; return each step's summary.

    Schemes edited in the web console join the file's here, so an edit applies at the next pass
    (and, through the analysis version, posts are analysed again under it)."""
    with sessions() as session:
        settings = with_console_schemes(session, settings)
    results: dict[str, Any] = {}
    for name, step in STEPS:
        results[name] = step(settings, sessions, now=now or utcnow())
    return results


def run_pass(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    names: Sequence[str] | None = None,
    now: datetime | None = None,
    progress: Callable[[Any], None] | None = None,
) -> PassReport:
    """Collect every enabled source (or the named ones) now, then run the later steps."""
    report = PassReport(started_at=now or utcnow())
    report.collected = collect(settings, sessions, names=names, now=now, progress=progress)
    report.steps = process(settings, sessions, now=now)
    return report
