"""The digest's data (docs/spec.md §10): plain dataclasses filled by `alerts.digest.data`, read by renderers.

Pure: no database, no I/O. Every number here came from one query of the digest's day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from yuqing.config.types import CATEGORY_LABELS, TIER_LABELS, TIER_ORDER

OTHER_SITES = "其他站点"
UNCATEGORISED = "未分类"


@dataclass(frozen=True)
class DayFigures:
    """Headline figures of one local day; posts count on the day they were first seen."""

    posts: int
    relevant: int
    negative: int  # relevant and negative
    unanalysed: int
    new_stories: int  # relevant stories first seen that day
    tiers: dict[str, int]  # tier → stories that reached it that day

    @property
    def negative_share(self) -> float | None:
        """Negative relevant posts over relevant posts, None when there were none."""
        return self.negative / self.relevant if self.relevant else None


@dataclass(frozen=True)
class StoryLine:
    """A story as the digest shows it: figures at generation time, trend over the day."""

    id: int
    title: str
    url: str | None
    tier: str | None
    tier_reason: str | None
    tier_at: datetime | None
    sites: list[str]
    posts: int
    clicks_24h: int
    reposts: int
    clicks_per_hour: float
    negativity: float
    category: str | None
    first_seen_at: datetime
    last_post_at: datetime
    posts_today: int
    posts_before: int
    forecast: str | None
    raised: list[tuple[str | None, str, datetime]] = field(default_factory=list)  # (from, to, at) that day
    likes: int = 0  # the platforms' like counts (点赞), from the story's metrics

    @property
    def tier_label(self) -> str:
        """The tier in Chinese, or "—"."""
        return TIER_LABELS.get(self.tier or "", "—")

    @property
    def category_label(self) -> str:
        """The category in Chinese, or 未分类."""
        return CATEGORY_LABELS.get(self.category or "", UNCATEGORISED)

    @property
    def trend(self) -> str:
        """"up", "down" or "flat": posts joining the story that day against the day before."""
        if self.posts_today > self.posts_before:
            return "up"
        return "down" if self.posts_today < self.posts_before else "flat"


@dataclass(frozen=True)
class DeadlineLine:
    """One deadline of an incident and whether it was met, as of generation time."""

    kind: str  # report | facts | respond
    label: str
    due_at: datetime
    done_at: datetime | None
    state: str  # met | late | missed | pending


@dataclass(frozen=True)
class IncidentLine:
    """An incident open at some time during the day, with its deadlines."""

    id: int
    story_id: int
    title: str
    url: str | None
    status: str
    tier: str
    category: str | None
    opened_at: datetime
    acknowledged_by: str | None
    deadlines: list[DeadlineLine]

    @property
    def tier_label(self) -> str:
        """The tier in Chinese."""
        return TIER_LABELS.get(self.tier, self.tier)


@dataclass(frozen=True)
class ItemLine:
    """One post among the day's most negative relevant items."""

    post_id: int
    title: str
    url: str
    site: str
    negativity: float
    views: int | None
    replies: int | None
    reposts: int | None
    category: str | None
    first_seen_at: datetime
    published_at: datetime | None
    likes: int | None = None

    @property
    def category_label(self) -> str:
        """The category in Chinese, or 未分类."""
        return CATEGORY_LABELS.get(self.category or "", UNCATEGORISED)


@dataclass(frozen=True)
class SeriesPoint:
    """Relevant and negative relevant posts in one bucket (an hour, a day, a site, a category)."""

    label: str
    relevant: int
    negative: int

    @property
    def share(self) -> float | None:
        """Negative share of the bucket, None when it had no relevant post."""
        return self.negative / self.relevant if self.relevant else None


@dataclass(frozen=True)
class BlindSpot:
    """A source the monitor cannot rely on: failing, silent for longer than usual, or never polled."""

    source: str
    site: str
    kind: str
    reasons: list[str]
    last_success_at: datetime | None
    last_new_item_at: datetime | None
    consecutive_failures: int
    polls_today: int
    failed_today: int


@dataclass(frozen=True)
class DigestData:
    """Everything one digest shows, for the local day `day` in `timezone`."""

    day: date
    timezone: str
    start: datetime
    end: datetime
    generated_at: datetime
    today: DayFigures
    before: DayFigures
    attention: list[StoryLine]
    new_stories: list[StoryLine]
    new_stories_total: int
    incidents: list[IncidentLine]
    top_items: list[ItemLine]
    hourly: list[SeriesPoint]
    daily: list[SeriesPoint]
    by_site: list[SeriesPoint]
    by_category: list[SeriesPoint]
    blind_spots: list[BlindSpot]
    sources_total: int
    attention_more: dict[str, int] = field(default_factory=dict)
    console_links: dict[str, str] = field(default_factory=dict)  # "story:ID" / "incident:ID" → signed console URL

    def attention_by_tier(self) -> list[tuple[str, str, list[StoryLine]]]:
        """(tier, label, stories) from critical down to general, tiers with stories only."""
        groups = []
        for tier in reversed(TIER_ORDER):
            stories = [s for s in self.attention if s.tier == tier]
            if stories:
                groups.append((tier, TIER_LABELS[tier], stories))
        return groups


def format_span(seconds: float) -> str:
    """A duration in Chinese, to the minute: "2 天 3 小时", "3 小时 20 分钟", "45 分钟"."""
    minutes = max(0, int(seconds // 60))
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} 天 {hours} 小时" if hours else f"{days} 天"
    if hours:
        return f"{hours} 小时 {minutes} 分钟" if minutes else f"{hours} 小时"
    return f"{minutes} 分钟"
