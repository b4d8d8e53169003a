"""Week and month report queries: the database in, `PeriodData` (every figure of the period and
of the one before) out. Built on the digest's queries (`alerts.digest.data`, `.stories`, `.watch`).

Week: the 7 local days ending on `end`. Month: the calendar month of `end`, from its 1st to `end`
(the whole month when `end` is its last day), against the same days of the month before.
"""

from __future__ import annotations

import calendar
from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuqing.alerts.digest.data import (
    count_figures,
    day_bounds,
    list_post_rows,
    series_by_day,
    split_by_category,
    split_by_site,
)
from yuqing.alerts.digest.stories import list_attention, list_incidents
from yuqing.alerts.digest.watch import list_blind_spots
from yuqing.alerts.reports.model import PeriodData, SchemeLine, SourceLine
from yuqing.analysis.models import PostAnalysis
from yuqing.collector.models import Post, Source, SourcePoll
from yuqing.config.settings import Settings

PERIODS = ("week", "month")
ALL_STORIES = 10_000  # the report lists every tiered story of the period


def period_days(period: str, end: date) -> tuple[date, date, date, date]:
    """(first, last, previous first, previous last) local days of the period ending on `end`."""
    if period == "week":
        first = end - timedelta(days=6)
        return first, end, first - timedelta(days=7), first - timedelta(days=1)
    if period != "month":
        raise ValueError(f"unknown period {period!r}: week or month")
    first = end.replace(day=1)
    previous_last_of_month = first - timedelta(days=1)
    previous_first = previous_last_of_month.replace(day=1)
    span = min(end.day, calendar.monthrange(previous_first.year, previous_first.month)[1])
    return first, end, previous_first, previous_first.replace(day=span)


def collect_period(session: Session, settings: Settings, period: str, end: date, *, now: datetime) -> PeriodData:
    """Every figure of the week or month ending on `end`, read from the database at `now`."""
    tz = settings.digest.timezone
    first, last, previous_first, previous_last = period_days(period, end)
    start, stop = day_bounds(first, tz)[0], day_bounds(last, tz)[1]
    previous_start, previous_stop = day_bounds(previous_first, tz)[0], day_bounds(previous_last, tz)[1]
    rows = list_post_rows(session, start, stop)
    previous_rows = list_post_rows(session, previous_start, previous_stop)
    stories, _more = list_attention(session, start, stop, ALL_STORIES, before=previous_start)
    return PeriodData(
        period=period, first_day=first, last_day=last, timezone=tz, start=start, end=stop, generated_at=now,
        figures=count_figures(session, rows, start, stop),
        previous=count_figures(session, previous_rows, previous_start, previous_stop),
        stories=stories,
        incidents=list_incidents(session, start, stop, now),
        daily=series_by_day(rows, last, tz, days=(last - first).days + 1),
        by_site=split_by_site(rows),
        by_category=split_by_category(rows),
        sources=list_source_lines(session, settings, start, stop),
        blind_spots=list_blind_spots(session, settings.sources, start, stop, now),
        schemes=list_scheme_lines(session, settings, (start, stop), (previous_start, previous_stop)),
    )


def list_source_lines(session: Session, settings: Settings, start: datetime, end: datetime) -> list[SourceLine]:
    """Each enabled source's polls, failed polls and new items in [start, end), configuration order."""
    query = (
        select(Source.name, func.count(SourcePoll.id),
               func.coalesce(func.sum(func.coalesce(SourcePoll.items_new, 0)), 0))
        .join(SourcePoll, SourcePoll.source_id == Source.id)
        .where(SourcePoll.started_at >= start, SourcePoll.started_at < end)
        .group_by(Source.name)
    )
    polls = {name: (int(count), int(new)) for name, count, new in session.execute(query).tuples()}
    failed = dict(session.execute(
        select(Source.name, func.count(SourcePoll.id)).join(SourcePoll, SourcePoll.source_id == Source.id)
        .where(SourcePoll.started_at >= start, SourcePoll.started_at < end, SourcePoll.outcome == "error")
        .group_by(Source.name)
    ).tuples().all())
    return [
        SourceLine(name=s.name, site=s.site_name, kind=s.kind, polls=polls.get(s.name, (0, 0))[0],
                   failed=int(failed.get(s.name, 0)), new_items=polls.get(s.name, (0, 0))[1])
        for s in settings.sources if s.enabled
    ]


def list_scheme_lines(
    session: Session, settings: Settings, window: tuple[datetime, datetime], previous: tuple[datetime, datetime]
) -> list[SchemeLine]:
    """Relevant posts each scheme matched in the window and the one before, and the negative ones."""
    now_counts, negative = _scheme_counts(session, *window)
    before_counts, _ = _scheme_counts(session, *previous)
    names = [s.name for s in settings.schemes]
    names += sorted((set(now_counts) | set(before_counts)) - set(names))  # schemes since removed
    return [SchemeLine(name, now_counts[name], before_counts[name], negative[name])
            for name in dict.fromkeys(names)]


def _scheme_counts(session: Session, start: datetime, end: datetime) -> tuple[Counter[str], Counter[str]]:
    rows = session.execute(
        select(PostAnalysis.schemes, PostAnalysis.negative)
        .join(Post, Post.id == PostAnalysis.post_id)
        .where(PostAnalysis.relevant.is_(True), Post.first_seen_at >= start, Post.first_seen_at < end)
    ).tuples()
    posts: Counter[str] = Counter()
    negative: Counter[str] = Counter()
    for schemes, is_negative in rows:
        for name in schemes or []:
            posts[name] += 1
            negative[name] += bool(is_negative)
    return posts, negative
