"""Digest queries (docs/spec.md §10): the database in, `DigestData` (every figure of one local day) out.

The day is [00:00, 24:00) in `digest.timezone`; posts count on the day they were first seen.
Queries only: rendering lives in `alerts.digest.render`, charts in `alerts.digest.charts`.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuqing.alerts.digest.model import (
    OTHER_SITES,
    UNCATEGORISED,
    DayFigures,
    DigestData,
    IncidentLine,
    ItemLine,
    SeriesPoint,
    StoryLine,
)
from yuqing.alerts.digest.stories import list_attention, list_incidents, list_new_stories
from yuqing.alerts.digest.watch import list_blind_spots
from yuqing.alerts.links import console_link
from yuqing.analysis.models import PostAnalysis, Story, TierChange
from yuqing.collector.models import Post
from yuqing.config.settings import Settings
from yuqing.config.types import CATEGORY_LABELS, TIER_ORDER

SERIES_DAYS = 7
TOP_SITES = 10

PostRow = tuple[datetime, str, bool | None, bool | None, str | None]


def day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """The UTC instants where the local day starts and the next one starts."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    return start, end


def local_yesterday(now: datetime, timezone: str) -> date:
    """The local date before the one `now` falls on."""
    return now.astimezone(ZoneInfo(timezone)).date() - timedelta(days=1)


def collect_digest(session: Session, settings: Settings, day: date, *, now: datetime) -> DigestData:
    """Every figure of the digest of `day`, read from the database; `now` is the generation time."""
    tz = settings.digest.timezone
    start, end = day_bounds(day, tz)
    before_start, _ = day_bounds(day - timedelta(days=1), tz)
    series_start, _ = day_bounds(day - timedelta(days=SERIES_DAYS - 1), tz)
    rows = list_post_rows(session, series_start, end)
    today = [r for r in rows if start <= r[0] < end]
    before = [r for r in rows if before_start <= r[0] < start]
    top = settings.digest.top_items
    new_stories, new_total = list_new_stories(session, start, end, top, before=before_start)
    attention, attention_more = list_attention(session, start, end, top, before=before_start)
    incidents = list_incidents(session, start, end, now)
    return DigestData(
        day=day,
        timezone=tz,
        start=start,
        end=end,
        generated_at=now,
        today=count_figures(session, today, start, end),
        before=count_figures(session, before, before_start, start),
        attention=attention,
        attention_more=attention_more,
        new_stories=new_stories,
        new_stories_total=new_total,
        incidents=incidents,
        top_items=list_top_items(session, start, end, top),
        hourly=_hourly(today, start, end, tz),
        daily=series_by_day(rows, day, tz),
        by_site=split_by_site(today),
        by_category=split_by_category(today),
        blind_spots=list_blind_spots(session, settings.sources, start, end, now),
        sources_total=sum(1 for s in settings.sources if s.enabled),
        console_links=_console_links(settings, now, [*attention, *new_stories], incidents),
    )


def _console_links(settings: Settings, now: datetime, stories: list[StoryLine],
                   incidents: list[IncidentLine]) -> dict[str, str]:
    """Signed console links of the digest's stories and incidents (none without `[web] base_url`)."""
    links = {f"story:{s.id}": console_link(settings, now, story_id=s.id) for s in stories}
    links.update({f"incident:{i.id}": console_link(settings, now, incident_id=i.id) for i in incidents})
    return {key: url for key, url in links.items() if url}


def list_post_rows(session: Session, start: datetime, end: datetime) -> list[PostRow]:
    """(first seen, site, relevant, negative, category) of every post first seen in [start, end)."""
    query = (
        select(Post.first_seen_at, Post.site, PostAnalysis.relevant, PostAnalysis.negative,
               PostAnalysis.category)
        .outerjoin(PostAnalysis, PostAnalysis.post_id == Post.id)
        .where(Post.first_seen_at >= start, Post.first_seen_at < end)
    )
    return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


def count_figures(session: Session, rows: list[PostRow], start: datetime, end: datetime) -> DayFigures:
    """Headline figures of [start, end) (a day, a week, a month) from its post rows."""
    new_stories = session.scalar(
        select(func.count()).select_from(Story)
        .where(Story.relevant.is_(True), Story.first_seen_at >= start, Story.first_seen_at < end)
    )
    raised = dict(
        session.execute(
            select(TierChange.tier, func.count(func.distinct(TierChange.story_id)))
            .where(TierChange.raised_at >= start, TierChange.raised_at < end)
            .group_by(TierChange.tier)
        ).tuples().all()
    )
    return DayFigures(
        posts=len(rows),
        relevant=sum(1 for r in rows if r[2]),
        negative=sum(1 for r in rows if r[2] and r[3]),
        unanalysed=sum(1 for r in rows if r[2] is None),
        new_stories=new_stories or 0,
        tiers={tier: int(raised.get(tier, 0)) for tier in TIER_ORDER},
    )


def _hourly(rows: list[PostRow], start: datetime, end: datetime, tz: str) -> list[SeriesPoint]:
    hours = int((end - start).total_seconds() // 3600)  # 23 or 25 on a DST change day
    zone = ZoneInfo(tz)
    relevant: Counter[int] = Counter()
    negative: Counter[int] = Counter()
    for seen, _site, is_relevant, is_negative, _cat in rows:
        if is_relevant:
            slot = int((seen - start).total_seconds() // 3600)
            relevant[slot] += 1
            negative[slot] += bool(is_negative)
    return [
        SeriesPoint(f"{(start + timedelta(hours=h)).astimezone(zone).hour:02d}", relevant[h], negative[h])
        for h in range(hours)
    ]


def series_by_day(rows: list[PostRow], day: date, tz: str, days: int = SERIES_DAYS) -> list[SeriesPoint]:
    """Relevant and negative posts per local day, for the `days` days ending with `day`."""
    zone = ZoneInfo(tz)
    relevant: Counter[date] = Counter()
    negative: Counter[date] = Counter()
    for seen, _site, is_relevant, is_negative, _cat in rows:
        if is_relevant:
            local = seen.astimezone(zone).date()
            relevant[local] += 1
            negative[local] += bool(is_negative)
    dates = [day - timedelta(days=n) for n in range(days - 1, -1, -1)]
    return [SeriesPoint(d.strftime("%m-%d"), relevant[d], negative[d]) for d in dates]


def split_by_site(rows: list[PostRow]) -> list[SeriesPoint]:
    """Relevant and negative posts per site, the 10 largest and the rest together."""
    relevant: Counter[str] = Counter()
    negative: Counter[str] = Counter()
    for _seen, site, is_relevant, is_negative, _cat in rows:
        if is_relevant:
            relevant[site] += 1
            negative[site] += bool(is_negative)
    ranked = sorted(relevant, key=lambda s: (-relevant[s], s))
    points = [SeriesPoint(s, relevant[s], negative[s]) for s in ranked[:TOP_SITES]]
    rest = ranked[TOP_SITES:]
    if rest:
        points.append(SeriesPoint(OTHER_SITES, sum(relevant[s] for s in rest),
                                  sum(negative[s] for s in rest)))
    return points


def split_by_category(rows: list[PostRow]) -> list[SeriesPoint]:
    """Relevant and negative posts per category (Chinese labels), in the categories' order."""
    relevant: Counter[str] = Counter()
    negative: Counter[str] = Counter()
    for _seen, _site, is_relevant, is_negative, category in rows:
        if is_relevant:
            label = CATEGORY_LABELS.get(category or "", UNCATEGORISED)
            relevant[label] += 1
            negative[label] += bool(is_negative)
    order = [*CATEGORY_LABELS.values(), UNCATEGORISED]
    return [SeriesPoint(label, relevant[label], negative[label]) for label in order if relevant[label]]


def list_top_items(session: Session, start: datetime, end: datetime, limit: int) -> list[ItemLine]:
    """The most negative relevant posts first seen in [start, end)."""
    clicks = func.coalesce(Post.views, 0) + func.coalesce(Post.replies, 0)
    query = (
        select(Post, PostAnalysis)
        .join(PostAnalysis, PostAnalysis.post_id == Post.id)
        .where(Post.first_seen_at >= start, Post.first_seen_at < end,
               PostAnalysis.relevant.is_(True), PostAnalysis.negative.is_(True))
        .order_by(PostAnalysis.negativity.desc(), clicks.desc(), Post.id)
        .limit(limit)
    )
    return [
        ItemLine(
            post_id=post.id, title=post.title, url=post.url, site=post.site,
            negativity=analysis.negativity, views=post.views, replies=post.replies,
            reposts=post.reposts, category=analysis.category, first_seen_at=post.first_seen_at,
            published_at=post.published_at, likes=post.likes,
        )
        for post, analysis in session.execute(query).tuples()
    ]
