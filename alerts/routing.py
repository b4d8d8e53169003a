"""Alerting stage, pure: which channels hear about a story, when quiet hours hold a message,
and how long a failed delivery waits before its next attempt."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from yuqing.config.settings import ChannelSettings, Settings
from yuqing.config.types import tier_rank

NEVER_HELD_FROM = "major"  # quiet hours never hold major or critical
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(minutes=10)


def recipients(settings: Settings, schemes: list[str]) -> list[ChannelSettings]:
    """Channels a story's schemes send to; every channel when a scheme names none or none is configured."""
    configured = {s.name: s for s in settings.schemes}
    matched = [configured[name] for name in schemes if name in configured]
    if not matched or any(not scheme.recipients for scheme in matched):
        return list(settings.channels)
    return settings.expand([name for scheme in matched for name in scheme.recipients])


def route(settings: Settings, schemes: list[str], tier: str | None) -> list[ChannelSettings]:
    """Recipients of a story whose `min_tier` is at or below `tier` (no tier: every recipient)."""
    return [
        c for c in recipients(settings, schemes)
        if tier is None or tier_rank(tier) >= tier_rank(c.min_tier)
    ]


def escalation(settings: Settings, schemes: list[str], tier: str | None) -> list[ChannelSettings]:
    """Where deadline alerts go: the routed recipients plus every scheme's `escalate_to`.

    `escalate_to` channels hear about missed deadlines whatever their `min_tier`: the next
    level is told precisely because the first level did not act.
    """
    configured = {s.name: s for s in settings.schemes}
    extra = settings.expand(
        [n for name in schemes if name in configured for n in configured[name].escalate_to]
    )
    chosen = {c.name for c in [*route(settings, schemes, tier), *extra]}
    return [c for c in settings.channels if c.name in chosen]


def holdable(tier: str | None) -> bool:
    """Whether quiet hours may hold a message of this tier (tiers below `major`)."""
    return tier is not None and tier_rank(tier) < tier_rank(NEVER_HELD_FROM)


def quiet_until(channel: ChannelSettings, now: datetime, default_timezone: str) -> datetime | None:
    """The end of the channel's quiet hours if `now` falls inside them, else None."""
    if channel.quiet_hours is None:
        return None
    start, end = channel.quiet_hours
    if start == end:
        return None
    local = now.astimezone(ZoneInfo(channel.timezone or default_timezone))
    clock = local.time().replace(tzinfo=None)
    wraps = start > end  # e.g. 22:00-07:00
    inside = (clock >= start or clock < end) if wraps else (start <= clock < end)
    if not inside:
        return None
    day = local.date() if (not wraps or clock < end) else local.date() + timedelta(days=1)
    until = datetime.combine(day, end, tzinfo=local.tzinfo)
    return until.astimezone(now.tzinfo)


def backoff(attempts: int) -> timedelta:
    """Wait after the n-th failed attempt: 30 s, 1 min, 2 min … capped at 10 min; never gives up."""
    if attempts <= 0:
        return timedelta(0)
    return min(BACKOFF_FIRST * (2 ** min(attempts - 1, 20)), BACKOFF_MAX)
