"""Report data: plain dataclasses for the week/month report and the 专报, filled by
`alerts.reports.period` and `alerts.reports.incident`, read by `alerts.reports.render`.

Pure: no database, no I/O. The day-level pieces (figures, story lines, deadlines, series,
blind spots) are the digest's own (`alerts.digest.model`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from yuqing.alerts.digest.model import (
    BlindSpot,
    DayFigures,
    IncidentLine,
    SeriesPoint,
    StoryLine,
)
from yuqing.config.types import TIER_LABELS


@dataclass(frozen=True)
class SourceLine:
    """One enabled source over the period: polls, failed polls, new items found."""

    name: str
    site: str
    kind: str
    polls: int
    failed: int
    new_items: int


@dataclass(frozen=True)
class SchemeLine:
    """One scheme's relevant posts in the period and in the one before, and the negative ones."""

    name: str
    posts: int
    previous: int
    negative: int


@dataclass(frozen=True)
class PeriodData:
    """Everything a week or month report shows: [start, end) against [previous_start, start)."""

    period: str  # week | month
    first_day: date
    last_day: date
    timezone: str
    start: datetime
    end: datetime
    generated_at: datetime
    figures: DayFigures
    previous: DayFigures
    stories: list[StoryLine]  # tiered stories active in the period, highest tier first
    incidents: list[IncidentLine]  # incidents open at some time in the period
    daily: list[SeriesPoint]
    by_site: list[SeriesPoint]
    by_category: list[SeriesPoint]
    sources: list[SourceLine]
    blind_spots: list[BlindSpot]
    schemes: list[SchemeLine]

    @property
    def title(self) -> str:
        """舆情周报 or 舆情月报."""
        return "舆情周报" if self.period == "week" else "舆情月报"

    def incident_of(self, story_id: int) -> IncidentLine | None:
        """The incident opened for a story, if any."""
        return next((i for i in self.incidents if i.story_id == story_id), None)


@dataclass(frozen=True)
class SitePickup:
    """When one site first carried the statement, and how many of its posts carry it."""

    site: str
    first_seen_at: datetime
    posts: int
    first_url: str | None


@dataclass(frozen=True)
class TierStep:
    """One tier change of the story with its one-line reason and the metrics behind it."""

    previous: str | None
    tier: str
    reason: str
    raised_at: datetime
    metrics: dict[str, float]

    @property
    def label(self) -> str:
        """"一般 → 重大", or the tier alone for the first one."""
        reached = TIER_LABELS.get(self.tier, self.tier)
        return f"{TIER_LABELS.get(self.previous, self.previous)} → {reached}" if self.previous else reached


@dataclass(frozen=True)
class HandlingStep:
    """One line of the incident's handling record: what, who, when, the note."""

    kind: str
    at: datetime
    actor: str | None
    note: str | None


@dataclass(frozen=True)
class EvidenceLine:
    """One copy's kept page (evidence): what was fetched when, its SHA-256, whether it is deleted."""

    post_id: int
    site: str
    title: str
    url: str
    fetched_at: datetime | None  # None: no page kept (the copy has not been captured yet)
    status: int | None = None
    sha256: str | None = None
    raw_size: int = 0
    kept: bool = False  # the bytes are stored (not only their hash)
    has_screenshot: bool = False
    note: str | None = None  # why the bytes were not kept
    gone_since: datetime | None = None
    deleted_at: datetime | None = None


@dataclass(frozen=True)
class IncidentReport:
    """Everything the 专报 of one incident shows, as of `generated_at`."""

    incident: IncidentLine
    generated_at: datetime
    timezone: str
    summary: str
    schemes: list[str]
    origin_site: str | None
    origin_url: str | None
    origin_published_at: datetime | None
    first_seen_at: datetime
    last_post_at: datetime
    metrics: dict[str, float]
    negativity: float
    current_tier: str | None
    guidance: str | None
    pickups: list[SitePickup]
    posts_over_time: list[tuple[datetime, str]]  # (first seen, site) of every post, oldest first
    tier_steps: list[TierStep]
    handling: list[HandlingStep]
    acknowledged_at: datetime | None
    responded_at: datetime | None
    response_note: str | None
    response_url: str | None
    closing_summary: str | None
    evidence: tuple[EvidenceLine, ...] = ()  # each copy's kept page
    screenshots: tuple[tuple[EvidenceLine, bytes], ...] = ()  # (copy, PNG) of the copies that have one
