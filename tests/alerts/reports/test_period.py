"""The week and month reports: their days, and over the demo's data exactly its tiered stories
with each deadline's outcome."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from docx import Document
from sqlalchemy import select

from tests.alerts.reports.demo_db import Demo
from yuqing.alerts.digest.render import STATE_LABELS
from yuqing.alerts.models import Incident
from yuqing.alerts.payload import format_local
from yuqing.alerts.reports.charts import render_period_charts
from yuqing.alerts.reports.period import collect_period, period_days
from yuqing.alerts.reports.render import render_period
from yuqing.analysis.models import Story
from yuqing.config.database import utcnow

LABELS = {"report_by": "快报", "facts_by": "发布事实", "respond_by": "正面回复"}


@pytest.mark.parametrize(("period", "end", "expected"), [
    ("week", date(2026, 12, 3), (date(2026, 11, 27), date(2026, 12, 3), date(2026, 11, 20), date(2026, 11, 26))),
    ("month", date(2026, 12, 3), (date(2026, 12, 1), date(2026, 12, 3), date(2026, 11, 1), date(2026, 11, 3))),
    ("month", date(2026, 3, 31), (date(2026, 3, 1), date(2026, 3, 31), date(2026, 2, 1), date(2026, 2, 28))),
])
def test_period_days(period: str, end: date, expected: tuple[date, ...]) -> None:
    assert period_days(period, end) == expected


def test_an_unknown_period_is_refused() -> None:
    with pytest.raises(ValueError, match="week or month"):
        period_days("year", date(2026, 12, 3))


def _outcome(due: datetime, done: datetime | None, now: datetime) -> str:
    if done is not None:
        return "met" if done <= due else "late"
    return "missed" if now > due else "pending"


def test_the_week_report_lists_exactly_the_demos_tiered_stories_and_their_deadlines(demo: Demo) -> None:
    now = utcnow()
    with demo.sessions() as session:
        data = collect_period(session, demo.settings, "week", demo.day, now=now)
        tiered = {s.id: (s.title, s.tier) for s in session.scalars(select(Story).where(Story.tier.is_not(None)))}
        incidents = list(session.scalars(select(Incident)))
    assert len(tiered) == 3 and {tier for _title, tier in tiered.values()} == {"critical", "major", "general"}
    assert {s.id: (s.title, s.tier) for s in data.stories} == tiered
    assert [s.tier for s in data.stories] == ["critical", "major", "general"]
    assert data.figures.relevant > 0 and data.previous.posts == 0
    assert sum(p.relevant for p in data.daily) == data.figures.relevant and len(data.daily) == 7

    document = Document(io.BytesIO(render_period(data, render_period_charts(data), demo.settings.reports)))
    story_table = next(t for t in document.tables if t.rows[0].cells[1].text == "事件")
    rows = {row.cells[1].text: row.cells[-1].text for row in story_table.rows[1:]}
    assert set(rows) == {title for title, _tier in tiered.values()}
    tz = demo.settings.digest.timezone
    for incident in incidents:
        handling = rows[tiered[incident.story_id][0]]
        done = {"report_by": incident.acknowledged_at, "facts_by": incident.responded_at,
                "respond_by": incident.responded_at}
        for key, label in LABELS.items():
            due = getattr(incident, key)
            if due is not None:
                expected = f"{label} {format_local(due, tz)} {STATE_LABELS[_outcome(due, done[key], now)]}"
                assert expected in handling, handling
    untiered_incident = set(tiered) - {i.story_id for i in incidents}
    assert all(rows[tiered[sid][0]].startswith("未立案") for sid in untiered_incident)


def test_the_demos_deadlines_were_missed(demo: Demo) -> None:
    """The demo never acknowledges, and its deadlines (4 h) pass before the report is made."""
    with demo.sessions() as session:
        data = collect_period(session, demo.settings, "week", demo.day, now=utcnow())
    assert data.incidents and all(d.state == "missed" for i in data.incidents for d in i.deadlines)
    with demo.sessions() as session:
        early = collect_period(session, demo.settings, "week", demo.day,
                               now=min(i.opened_at for i in data.incidents) + timedelta(minutes=1))
    assert all(d.state == "pending" for i in early.incidents for d in i.deadlines)


def test_sources_and_schemes_are_counted_in_the_period(demo: Demo) -> None:
    with demo.sessions() as session:
        data = collect_period(session, demo.settings, "month", demo.day, now=utcnow())
    assert [s.name for s in data.sources] == [s.name for s in demo.settings.sources]
    assert all(s.polls > 0 and s.failed == 0 for s in data.sources)
    assert sum(s.new_items for s in data.sources) == data.figures.posts
    [scheme] = data.schemes
    assert scheme.name == demo.settings.schemes[0].name
    assert scheme.posts == data.figures.relevant and scheme.previous == 0
