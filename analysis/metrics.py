"""Analysis stage, story metrics (docs/spec.md §3): member posts and their snapshots → spread and heat.

Pure. Everything is computed "as of" a given moment from observations taken at or before it,
so `yuqing replay` can rebuild the past from the same functions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

DAY = timedelta(hours=24)
HOUR = timedelta(hours=1)
SIX_HOURS = timedelta(hours=6)
_WEIGHT_CAP = 1000  # characters; a very long post must not outweigh every copy


@dataclass(frozen=True)
class Observation:
    """Engagement counts of one post at one poll (None where the page does not show them)."""

    at: datetime
    views: int | None = None
    replies: int | None = None
    reposts: int | None = None
    likes: int | None = None


@dataclass(frozen=True)
class PostFacts:
    """What metrics need to know about one member post: where, when, counts over time, analysis."""

    post_id: int
    site: str
    url: str
    title: str
    published_at: datetime | None
    first_seen_at: datetime
    observations: tuple[Observation, ...] = ()
    length: int = 1
    negativity: float = 0.0
    negative: bool = False
    relevant: bool = False
    category: str | None = None
    schemes: tuple[str, ...] = ()

    @property
    def appeared_at(self) -> datetime:
        """When the post appeared: its publication time, unless that is unknown or after we saw it."""
        if self.published_at is not None and self.published_at <= self.first_seen_at:
            return self.published_at
        return self.first_seen_at


@dataclass(frozen=True)
class StoryMetrics:
    """A story's figures as of `at` (docs/spec.md §3), with velocity, origin (源头) and timeline."""

    at: datetime
    sites: list[str]
    posts: int
    clicks_24h: int
    reposts: int
    clicks_per_hour: float
    clicks_per_hour_6h: float
    reposts_per_hour: float
    reposts_per_hour_6h: float
    first_post_id: int | None
    first_site: str | None
    first_url: str | None
    first_seen_at: datetime | None
    timeline: list[dict[str, Any]] = field(default_factory=list)
    likes: int = 0  # the platforms' latest like counts (点赞), summed; no copy counts as a like

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures for Story.metrics and TierChange.metrics."""
        return {
            "sites": len(self.sites), "posts": self.posts, "clicks_24h": self.clicks_24h,
            "reposts": self.reposts, "likes": self.likes, "clicks_per_hour": round(self.clicks_per_hour, 1),
            "clicks_per_hour_6h": round(self.clicks_per_hour_6h, 1),
            "reposts_per_hour": round(self.reposts_per_hour, 1),
            "reposts_per_hour_6h": round(self.reposts_per_hour_6h, 1),
            "site_list": self.sites, "first_post_id": self.first_post_id,
            "first_site": self.first_site, "first_url": self.first_url,
            "first_seen_at": self.first_seen_at.isoformat() if self.first_seen_at else None,
            "timeline": self.timeline, "at": self.at.isoformat(),
        }


def _value(obs: Observation, name: str) -> int | None:
    if name == "clicks":
        if obs.views is None and obs.replies is None:
            return None
        return (obs.views or 0) + (obs.replies or 0)
    return getattr(obs, name)


def _series(post: PostFacts, name: str, at: datetime) -> list[tuple[datetime, int]]:
    values = ((o.at, _value(o, name)) for o in post.observations if o.at <= at)
    return [(t, v) for t, v in values if v is not None]


def gain(post: PostFacts, name: str, start: datetime, at: datetime) -> int:
    """What `name` ("clicks", "reposts") of one post gained in (start, at] under docs/spec.md §3's rule.

    Published inside the window (at or after `start`): its latest count, in full. Published
    earlier or at an unknown time: latest count minus the count at or just before `start`,
    or minus the first observation when it was first seen inside the window.
    """
    series = _series(post, name, at)
    if not series:
        return 0
    latest = series[-1][1]
    if post.published_at is not None and post.published_at >= start:
        return latest
    before = [v for t, v in series if t <= start]
    base = before[-1] if before else series[0][1]
    return max(0, latest - base)


def latest(post: PostFacts, name: str, at: datetime) -> int:
    """The last count of `name` observed at or before `at` (0 when never shown)."""
    series = _series(post, name, at)
    return series[-1][1] if series else 0


def _copies_appearing(posts: list[PostFacts], first_id: int | None, start: datetime) -> int:
    return sum(1 for p in posts if p.post_id != first_id and p.first_seen_at > start)


def compute_metrics(members: list[PostFacts], at: datetime) -> StoryMetrics:
    """The story's metrics as of `at`, from the members first seen at or before `at`."""
    posts = sorted((p for p in members if p.first_seen_at <= at), key=lambda p: (p.appeared_at, p.post_id))
    first = posts[0] if posts else None
    timeline: list[dict[str, Any]] = []
    for p in posts:
        if all(entry["site"] != p.site for entry in timeline):
            timeline.append({"site": p.site, "at": p.appeared_at.isoformat(), "post_id": p.post_id,
                             "url": p.url})
    first_id = first.post_id if first else None

    def rate(name: str, span: timedelta) -> float:
        total = sum(gain(p, name, at - span, at) for p in posts)
        if name == "reposts":
            total += _copies_appearing(posts, first_id, at - span)
        return total / (span / HOUR)

    return StoryMetrics(
        at=at,
        sites=[entry["site"] for entry in timeline],
        posts=len(posts),
        clicks_24h=sum(gain(p, "clicks", at - DAY, at) for p in posts),
        reposts=sum(latest(p, "reposts", at) for p in posts) + max(0, len(posts) - 1),
        likes=sum(latest(p, "likes", at) for p in posts),
        clicks_per_hour=rate("clicks", HOUR),
        clicks_per_hour_6h=rate("clicks", SIX_HOURS),
        reposts_per_hour=rate("reposts", HOUR),
        reposts_per_hour_6h=rate("reposts", SIX_HOURS),
        first_post_id=first_id,
        first_site=first.site if first else None,
        first_url=first.url if first else None,
        first_seen_at=min((p.first_seen_at for p in posts), default=None),
        timeline=timeline,
    )


@dataclass(frozen=True)
class StoryOpinion:
    """A story's negativity, relevance, schemes and category, from its posts' analyses."""

    negativity: float
    negative: bool
    relevant: bool
    schemes: list[str]
    category: str | None


def judge_story(members: list[PostFacts], negative_threshold: float | None) -> StoryOpinion:
    """Length-weighted mean negativity of the posts; negative at the threshold (or by the posts' flags).

    The weight is the post's text length, capped, so a bare 【转】 title with a one-line
    comment counts less than the copy that carries the statement. With no configured
    threshold, the story is negative when the weighted share of posts flagged negative
    by the analysis is at least one half.
    """
    if not members:
        return StoryOpinion(0.0, False, False, [], None)
    weights = [max(1, min(p.length, _WEIGHT_CAP)) for p in members]
    total = sum(weights)
    negativity = sum(w * p.negativity for w, p in zip(weights, members, strict=True)) / total
    if negative_threshold is not None:
        negative = negativity >= negative_threshold
    else:
        negative = sum(w for w, p in zip(weights, members, strict=True) if p.negative) * 2 >= total
    schemes = Counter(s for p in members for s in p.schemes)
    categories = Counter(p.category for p in members if p.category)
    ordered = sorted(members, key=lambda p: (p.appeared_at, p.post_id))
    first_category = next((p.category for p in ordered if p.category), None)
    top = max(categories.values(), default=0)
    category = first_category if first_category and categories[first_category] == top else (
        min((c for c, n in categories.items() if n == top), default=None))
    return StoryOpinion(
        negativity=round(negativity, 4),
        negative=negative,
        relevant=any(p.relevant for p in members),
        schemes=sorted(schemes, key=lambda s: (-schemes[s], s)),
        category=category,
    )
