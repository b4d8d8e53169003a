"""Alerting stage, blocked sources (docs/spec.md §13): a source the site refuses → one warning to the admins.

One `source.blocked` alert per channel per blocked episode (the dedupe key holds the episode's
start), queued through the outbox like every other alert, so a source refused at every poll
for a week still raises one message, and a source blocked again after it recovered raises another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from yuqing.alerts.outbox import queue_alert
from yuqing.alerts.payload import StoryFacts, alert_uid, build_payload, format_time
from yuqing.collector.models import Source
from yuqing.collector.store import list_blocked_sources
from yuqing.config.database import transaction
from yuqing.config.settings import ChannelSettings, Settings

EVENT = "source.blocked"
ADMIN_GROUP = "admin"


@dataclass
class SourceAlertSummary:
    """What `raise_source_alerts` did."""

    blocked: int = 0
    alerts: int = 0

    def __str__(self) -> str:
        return f"{self.blocked} blocked source(s) → {self.alerts} new admin alert(s)"


def admin_channels(settings: Settings) -> list[ChannelSettings]:
    """Where blocked-source warnings go: `fetch.admin_channels`, else the group `admin`, else every channel."""
    if settings.fetch.admin_channels is not None:
        return settings.expand(settings.fetch.admin_channels)
    if ADMIN_GROUP in settings.groups:
        return settings.expand([ADMIN_GROUP])
    return list(settings.channels)


def raise_source_alerts(settings: Settings, sessions: sessionmaker[Session], *, now: datetime) -> SourceAlertSummary:
    """Queue one `source.blocked` alert per admin channel for every blocked episode not yet announced."""
    summary = SourceAlertSummary()
    configured = {s.name: s for s in settings.sources}
    channels = admin_channels(settings)
    with transaction(sessions) as session:
        for row in list_blocked_sources(session):
            if row.name not in configured or row.blocked_at is None:
                continue  # a source removed from the file is no longer watched
            summary.blocked += 1
            for channel in channels:
                key = f"source:{row.name}:blocked:{row.blocked_at.isoformat()}:channel:{channel.name}"
                payload = blocked_payload(row, key, settings.digest.timezone, now)
                alert = queue_alert(session, dedupe_key=key, event=EVENT, channel=channel.name, payload=payload,
                                    now=now, story_id=None, incident_id=None, tier=None)
                summary.alerts += alert is not None
    return summary


def blocked_payload(row: Source, key: str, timezone: str, now: datetime) -> dict:
    """The §9-shaped payload of a `source.blocked` event, with a `source` object for receivers."""
    facts = StoryFacts(
        story_id=0, title=f"来源被拦截: {row.name} ({row.site})",
        summary=(f"{row.site} 拒绝了 yuqing 的抓取:{row.blocked_reason}。该来源暂停抓取并列为监测盲区;"
                 "请确认是否仍有权访问(登录状态、接口授权),不要尝试绕过平台的防护。"),
        category=None, schemes=[], negativity=0.0, sites=[row.site], urls=[], first_url=None,
        first_seen_at=row.blocked_at or now,
    )
    payload = build_payload(EVENT, uid=alert_uid(key), facts=facts, tier=None, previous_tier=None,
                            reason=row.blocked_reason or "blocked", detected_at=row.blocked_at or now,
                            deadlines={}, guidance=None, timezone=timezone)
    payload["story_id"] = None
    payload["source"] = {"name": row.name, "kind": row.kind, "site": row.site, "reason": row.blocked_reason,
                         "blocked_at": format_time(row.blocked_at, timezone),
                         "next_poll_at": format_time(row.next_poll_at, timezone)}
    return payload
