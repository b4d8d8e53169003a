"""专报 queries: one incident id in, `IncidentReport` (its story, spread, tier history, handling
record and each copy's kept page with a few screenshots, figures as of generation time) out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.alerts.digest.model import IncidentLine
from yuqing.alerts.digest.stories import judge_deadlines
from yuqing.alerts.incidents import IncidentNotFoundError
from yuqing.alerts.models import IncidentEvent
from yuqing.alerts.reports.evidence import get_screenshot, list_evidence
from yuqing.alerts.reports.model import EvidenceLine, HandlingStep, IncidentReport, SitePickup, TierStep
from yuqing.alerts.store import get_incident
from yuqing.analysis.models import Story, StoryPost, TierChange
from yuqing.collector.models import Post
from yuqing.config.settings import Settings

SCREENSHOTS = 4  # at most, in the 专报: deleted copies first, then the oldest
METRICS = ("sites", "posts", "clicks_24h", "reposts", "clicks_per_hour", "reposts_per_hour")


def collect_incident(session: Session, settings: Settings, incident_id: int, *, now: datetime) -> IncidentReport:
    """The 专报's facts about incident `incident_id`; IncidentNotFoundError when there is none."""
    incident = get_incident(session, incident_id)
    if incident is None:
        raise IncidentNotFoundError(f"no incident {incident_id}; see `yuqing incidents`")
    story = session.get(Story, incident.story_id)
    if story is None:  # the foreign key cascades, so only a broken database gets here
        raise IncidentNotFoundError(f"incident {incident_id} has no story")
    posts = session.execute(
        select(Post.id, Post.site, Post.first_seen_at, Post.url, Post.published_at)
        .join(StoryPost, StoryPost.post_id == Post.id)
        .where(StoryPost.story_id == story.id).order_by(Post.first_seen_at, Post.id)
    ).tuples().all()
    origin = next((p for p in posts if p[0] == story.first_post_id), posts[0] if posts else None)
    line = IncidentLine(
        id=incident.id, story_id=story.id, title=story.title, url=origin[3] if origin else None,
        status=incident.status, tier=incident.tier, category=incident.category or story.category,
        opened_at=incident.opened_at, acknowledged_by=incident.acknowledged_by,
        deadlines=judge_deadlines(incident, now),
    )
    category = incident.category or story.category
    evidence = list_evidence(session, story.id)
    return IncidentReport(
        incident=line, generated_at=now, timezone=settings.digest.timezone,
        summary=story.summary or "", schemes=list(story.schemes or []),
        origin_site=origin[1] if origin else story.first_site, origin_url=origin[3] if origin else None,
        origin_published_at=origin[4] if origin else None,
        first_seen_at=story.first_seen_at, last_post_at=story.last_post_at,
        metrics=_metrics(story), negativity=story.negativity, current_tier=story.tier,
        guidance=settings.analysis.guidance(category) if category else None,
        pickups=_pickups([(site, seen, url) for _id, site, seen, url, _pub in posts]),
        posts_over_time=[(seen, site) for _id, site, seen, _url, _pub in posts],
        tier_steps=list_tier_steps(session, story.id),
        handling=list_handling(session, incident.id),
        acknowledged_at=incident.acknowledged_at, responded_at=incident.responded_at,
        response_note=incident.response_note, response_url=incident.response_url,
        closing_summary=incident.summary,
        evidence=tuple(evidence), screenshots=_screenshots(session, evidence),
    )


def _screenshots(session: Session, evidence: list[EvidenceLine]) -> tuple[tuple[EvidenceLine, bytes], ...]:
    """The PNGs of up to SCREENSHOTS copies that have one, deleted copies first."""
    chosen = sorted((e for e in evidence if e.has_screenshot), key=lambda e: e.deleted_at is None)[:SCREENSHOTS]
    found = ((line, get_screenshot(session, line.post_id)) for line in chosen)
    return tuple((line, png) for line, png in found if png)


def _metrics(story: Story) -> dict[str, float]:
    values = {"sites": len(story.sites or []), "posts": story.posts, "clicks_24h": story.clicks_24h,
              "reposts": story.reposts, "clicks_per_hour": story.clicks_per_hour,
              "reposts_per_hour": story.reposts_per_hour}
    return {key: float(values[key]) for key in METRICS}


def _pickups(posts: list[tuple[str, datetime, str | None]]) -> list[SitePickup]:
    """Sites in the order they picked the statement up, with their post count and first post."""
    first: dict[str, tuple[datetime, str | None]] = {}
    counts: dict[str, int] = {}
    for site, seen, url in posts:  # oldest first
        first.setdefault(site, (seen, url))
        counts[site] = counts.get(site, 0) + 1
    return [SitePickup(site, seen, counts[site], url) for site, (seen, url) in first.items()]


def list_tier_steps(session: Session, story_id: int) -> list[TierStep]:
    """The story's tier changes, oldest first, with their reasons and metrics."""
    changes = session.scalars(
        select(TierChange).where(TierChange.story_id == story_id).order_by(TierChange.raised_at, TierChange.id)
    )
    return [
        TierStep(previous=c.previous_tier, tier=c.tier, reason=c.reason, raised_at=c.raised_at,
                 metrics={k: float(v) for k, v in (c.metrics or {}).items() if isinstance(v, int | float)})
        for c in changes
    ]


def list_handling(session: Session, incident_id: int) -> list[HandlingStep]:
    """The incident's handling record, oldest first."""
    events = session.scalars(
        select(IncidentEvent).where(IncidentEvent.incident_id == incident_id)
        .order_by(IncidentEvent.at, IncidentEvent.id)
    )
    return [HandlingStep(kind=e.kind, at=e.at, actor=e.actor, note=e.note) for e in events]
