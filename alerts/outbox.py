"""Alerting stage: the outbox — queued alerts in, messages through channels out, every attempt recorded.

Order is kept per story on each channel (its alert N+1 waits until N is through); across stories
the highest tier goes first and a refused alert holds back only its own story (`alerts.lanes`).
One failing channel never blocks another, failures back off 30 s → 10 min and are retried for
ever, quiet hours hold tiers below `major`, and a burst above a channel's rate limit is merged
into one message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from yuqing.alerts import store
from yuqing.alerts.channels import HTTP_KINDS, SendResult, send_alerts
from yuqing.alerts.channels.base import make_client
from yuqing.alerts.lanes import due_lanes
from yuqing.alerts.models import Alert, Delivery
from yuqing.alerts.payload import alert_uid
from yuqing.alerts.routing import backoff, holdable, quiet_until
from yuqing.config.database import transaction
from yuqing.config.settings import ChannelSettings, Settings

log = logging.getLogger(__name__)
# Two stories refused in a row with nothing accepted between: the receiver, not the alert, is failing;
# for the rest of the round only alerts never tried yet are sent (each new alert gets its first try).
REFUSALS_PER_ROUND = 2


@dataclass
class DeliveryReport:
    """What one delivery round did, and what is still waiting."""

    sent: int = 0
    failed: int = 0
    held: int = 0
    merged: int = 0
    backlog: int = 0
    failing: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = f"{self.sent} alert(s) sent, {self.failed} failed attempt(s), {self.held} held, {self.backlog} waiting"
        return text + (f"; failing: {', '.join(self.failing)}" if self.failing else "")


def queue_alert(
    session: Session, *, dedupe_key: str, event: str, channel: str, payload: dict, now: datetime,
    story_id: int | None, incident_id: int | None, tier: str | None,
) -> Alert | None:
    """Put an alert in the outbox once per dedupe key (None when it was queued before)."""
    alert = Alert(uid=payload["id"], dedupe_key=dedupe_key, event=event, channel=channel, story_id=story_id,
                  incident_id=incident_id, tier=tier, payload=payload, status="pending", created_at=now,
                  next_attempt_at=now, attempts=0)
    return store.save_alert(session, alert)


def deliver_outbox(
    settings: Settings, sessions: sessionmaker[Session], *, now: datetime, client: httpx.Client | None = None,
    only: Collection[str] | None = None,
) -> DeliveryReport:
    """Send every due alert, channel by channel, each story's in order; record each attempt.

    `only`: the channels to deliver on (distributed mode gives each channel a task of its own);
    None for all. The backlog counts every channel's unsent alerts either way."""
    report = DeliveryReport()
    clock = _Clock(now)
    with sessions() as session:
        queued = store.list_unsent_alerts(session)
    by_channel: dict[str, list[store.QueuedAlert]] = {}
    for item in queued:
        if only is None or item.channel in only:
            by_channel.setdefault(item.channel, []).append(item)
    channels = {c.name: c for c in settings.channels}
    for name, items in by_channel.items():
        channel = channels.get(name)
        if channel is None:
            _orphan(sessions, [i.id for i in items], name, clock.now())
            report.failing.append(name)
            continue
        own = client is None and channel.kind in HTTP_KINDS
        http = make_client(channel) if own else client  # one client (and TLS context) per round
        try:
            _deliver_channel(settings, sessions, channel, items, clock, http, report)
        finally:
            if own and http is not None:
                http.close()
    with sessions() as session:
        report.backlog = len(store.list_unsent_alerts(session))
    return report


class _Clock:
    """The injected `now`, advanced by real elapsed time so each attempt has its own moment."""

    def __init__(self, start: datetime) -> None:
        self.start, self.started = start, time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.started)


def _deliver_channel(
    settings: Settings, sessions: sessionmaker[Session], channel: ChannelSettings,
    items: list[store.QueuedAlert], clock: _Clock, client: httpx.Client | None, report: DeliveryReport,
) -> None:
    now = clock.start
    lanes = due_lanes(items, now)
    until = quiet_until(channel, now, settings.digest.timezone)
    if until is not None:
        hold = [i.id for lane in lanes for i in lane if holdable(i.tier) and i.event != "test"]
        _hold(sessions, hold, until)
        report.held += len(hold)
        lanes = [kept for lane in lanes if (kept := [i for i in lane if i.id not in hold])]
    refused = 0  # stories refused in a row this round
    first_tries = {i.id for lane in lanes for i in lane if i.attempts == 0}
    for lane in _batches(sessions, channel, lanes, now):
        if refused >= REFUSALS_PER_ROUND and not first_tries.issuperset(lane[0]):
            continue  # a retry while the receiver refuses everything: its next round comes
        for batch in lane:
            result = _send_batch(sessions, channel, batch, clock, client)
            if result is None:
                break  # another worker holds this story's alerts
            if not result.ok:
                report.failed += 1
                if channel.name not in report.failing:
                    report.failing.append(channel.name)
                refused += 1
                if result.status_code is None:
                    return  # no answer at all (down, or too slow): the channel waits for the next round
                break  # refused: this story backs off, its later alerts wait, other stories go on
            refused = 0
            report.sent += len(batch)
            report.merged += len(batch) if len(batch) > 1 else 0


def _batches(sessions: sessionmaker[Session], channel: ChannelSettings,
             lanes: list[list[store.QueuedAlert]], now: datetime) -> list[list[list[int]]]:
    """Per lane, the messages to send: one alert each, or everything due merged into one message
    when that is more than the channel's rate limit leaves this minute."""
    ids = [i.id for lane in lanes for i in lane]
    singly = [[[i.id] for i in lane] for lane in lanes]
    if not ids or channel.rate_limit is None:
        return singly
    with sessions() as session:
        capacity = channel.rate_limit - store.count_messages_since(session, channel.name, now - timedelta(minutes=1))
    if capacity <= 0:
        return []  # this minute's messages are used up; the next round sends (merged if need be)
    return singly if len(ids) <= capacity else [[sorted(ids)]]  # one message, each story in order


def _send_batch(sessions: sessionmaker[Session], channel: ChannelSettings, ids: list[int],
                clock: _Clock, client: httpx.Client | None) -> SendResult | None:
    """Send one message. PostgreSQL: the rows stay locked (SKIP LOCKED) in one short transaction
    that commits right after the answer. SQLite (one writer): read, send with no transaction
    open, then record in a new one. Either way a crash can only repeat the message in flight."""
    with transaction(sessions) as session:
        alerts = store.list_alerts_for_sending(session, ids)
        if [a.id for a in alerts] != ids:
            return None  # another worker has them, or they went out meanwhile
        payloads = [dict(a.payload) for a in alerts]
        message_id = payloads[0]["id"] if len(ids) == 1 else alert_uid("batch:" + ",".join(p["id"] for p in payloads))
        if store.locks_rows(session):
            at, result = clock.now(), send_alerts(channel, payloads, client=client)
            _record(session, alerts, result, at, message_id)
            return result
    at, result = clock.now(), send_alerts(channel, payloads, client=client)
    with transaction(sessions) as session:
        _record(session, store.list_alerts_for_sending(session, ids), result, at, message_id)
    return result


def _record(session: Session, alerts: list[Alert], result: SendResult, at: datetime, message_id: str) -> None:
    for alert in alerts:
        store.record_delivery(session, alert, Delivery(
            attempted_at=at, ok=result.ok, status_code=result.status_code, response=result.response,
            error=result.error, duration_ms=result.duration_ms, message_id=message_id))
        alert.attempts += 1
        if result.ok:
            alert.status, alert.sent_at, alert.last_error = "sent", at, None
        else:
            alert.status, alert.last_error = "pending", result.error
            alert.next_attempt_at = at + backoff(alert.attempts)
            log.warning("delivery failed: channel=%s alert=%s story_id=%s tier=%s attempt=%d error=%s",
                        alert.channel, alert.uid, alert.story_id, alert.tier, alert.attempts, result.error)


def _hold(sessions: sessionmaker[Session], ids: list[int], until: datetime) -> None:
    if not ids:
        return
    with transaction(sessions) as session:
        for alert in store.list_alerts_for_sending(session, ids):
            alert.status, alert.next_attempt_at = "held", until


def _orphan(sessions: sessionmaker[Session], ids: list[int], name: str, now: datetime) -> None:
    """Alerts for a channel no longer configured: marked failed, visibly, rather than retried blindly."""
    with transaction(sessions) as session:
        for alert in store.list_alerts_for_sending(session, ids):
            alert.status, alert.last_error = "failed", f"channel {name!r} is no longer configured"
    log.error("channel=%s is no longer configured; %d alert(s) marked failed", name, len(ids))
