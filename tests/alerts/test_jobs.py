"""The alert jobs over a real database and real receivers, under an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from tests.alerts.factories import make_story, raise_tier
from yuqing.alerts.jobs import deliver, raise_alerts
from yuqing.alerts.models import Alert, Delivery, Incident
from yuqing.analysis.models import TierChange
from yuqing.config.database import transaction
from yuqing.config.settings import Settings

T0 = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def settings(*channels: dict[str, Any], **sections: Any) -> Settings:
    return Settings.model_validate({"channels": list(channels), **sections})


def hook(name: str, url: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "kind": "webhook", "url": url, "min_tier": "general", **extra}


def tiered_story(db, tier: str = "major", at: datetime = T0, **story: Any) -> int:
    with transaction(db) as session:
        s = make_story(session, now=at, **story)
        raise_tier(session, s, tier, now=at, previous="significant")
        return s.id


def count(db, model: type, *where: Any) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_tier_change_becomes_one_alert_per_channel_once(db, receiver) -> None:
    a, b = receiver(), receiver()
    s = settings(hook("a", a.url), hook("b", b.url, min_tier="critical"), hook("c", a.url))
    story_id = tiered_story(db, "major", category="emergency")
    summary = raise_alerts(s, db, now=T0)
    assert (summary.changes, summary.alerts, summary.incidents_opened) == (1, 2, 1)
    assert str(summary).startswith("1 tier change(s) → 2 alert(s)")
    assert raise_alerts(s, db, now=T0 + timedelta(minutes=1)).alerts == 0
    with db() as session:
        keys = sorted(session.scalars(select(Alert.dedupe_key)))
        incident = session.scalars(select(Incident)).one()
        assert session.scalars(select(TierChange.dispatched_at)).one() == T0
    assert keys == [f"story:{story_id}:tier:major:channel:a", f"story:{story_id}:tier:major:channel:c"]
    assert incident.status == "open" and incident.report_by == T0 + timedelta(minutes=30)
    assert incident.facts_by == T0 + timedelta(hours=2) and incident.respond_by == T0 + timedelta(hours=12)
    report = deliver(s, db, now=T0)
    assert report.sent == 2 and report.backlog == 0
    assert len(a.accepted) == 2 and b.accepted == []
    body = a.jsons()[0]
    assert body["event"] == "story.tier_raised" and body["story_id"] == story_id and body["tier"] == "major"
    assert body["deadlines"]["facts_by"] == "2026-11-21T12:00:00+08:00"
    assert body["incident_id"] == incident.id
    assert deliver(s, db, now=T0 + timedelta(minutes=5)).sent == 0


def test_a_tier_below_every_min_tier_is_recorded_without_alert_or_incident(db, receiver) -> None:
    s = settings(hook("a", receiver().url, min_tier="significant"))
    tiered_story(db, "general")
    summary = raise_alerts(s, db, now=T0)
    assert (summary.changes, summary.alerts, summary.incidents_opened) == (1, 0, 0)
    assert count(db, TierChange, TierChange.dispatched_at.is_(None)) == 0


def test_schemes_reach_their_own_recipients(db, receiver) -> None:
    transport, health = receiver(), receiver()
    s = settings(hook("transport", transport.url), hook("health", health.url),
                 schemes=[{"name": "交通局", "query": "交通局", "recipients": ["transport"]},
                          {"name": "卫健委", "query": "卫健委", "recipients": ["health"]}])
    tiered_story(db, "significant", schemes=("交通局",))
    tiered_story(db, "significant", schemes=("卫健委",), title="医院排队")
    raise_alerts(s, db, now=T0)
    deliver(s, db, now=T0)
    assert [b["title"] for b in transport.jsons()] == ["网传某区交通局违规收费"]
    assert [b["title"] for b in health.jsons()] == ["医院排队"]


def test_ten_minute_outage_then_everything_arrives_in_order(db, receiver) -> None:
    down, up = receiver(), receiver()
    s = settings(hook("down", down.url), hook("up", up.url))
    ids = [tiered_story(db, "significant", title=f"story {i}") for i in range(3)]
    raise_alerts(s, db, now=T0)
    attempts = []
    for step in range(0, 41):  # every 30 s for 20 minutes of simulated time
        now = T0 + timedelta(seconds=30 * step)
        down.fail = now < T0 + timedelta(minutes=10)
        before = down.attempts
        deliver(s, db, now=now)
        attempts.append(down.attempts - before)
    assert [b["story_id"] for b in up.jsons()] == ids  # the healthy channel was never blocked
    assert sorted(b["story_id"] for b in down.jsons()) == ids  # all, once, after recovery
    assert attempts[0] == 3  # each new alert gets its first try
    assert max(attempts[1:]) <= 2  # then a receiver refusing everything is retried at most twice a round
    with db() as session:
        alerts = session.scalars(select(Alert).where(Alert.channel == "down").order_by(Alert.id)).all()
        assert all(a.status == "sent" and a.sent_at >= T0 + timedelta(minutes=10) for a in alerts)
        for alert in alerts:  # each alert backs off on its own schedule
            tried = alert.deliveries
            assert [d.ok for d in tried] == [False] * (len(tried) - 1) + [True]
            assert all(d.status_code == 503 and "receiver down" in d.response for d in tried[:-1])
            gaps = [(b.attempted_at - a.attempted_at).total_seconds() for a, b in zip(tried, tried[1:-1], strict=False)]
            assert gaps == sorted(gaps) and gaps[0] >= 30  # backing off
        assert down.attempts == sum(len(a.deliveries) for a in alerts)  # every attempt is on the record


def test_quiet_hours_hold_significant_and_let_critical_through(db, receiver) -> None:
    r = receiver()
    s = settings(hook("night", r.url, quiet_hours="22:00-07:00"))
    night = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    tiered_story(db, "significant", at=night, title="较大 story")
    tiered_story(db, "critical", at=night, title="特别重大 story")
    raise_alerts(s, db, now=night)
    report = deliver(s, db, now=night)
    assert (report.sent, report.held) == (1, 1)
    assert [b["tier"] for b in r.jsons()] == ["critical"]
    with db() as session:
        held = session.scalars(select(Alert).where(Alert.status == "held")).one()
        assert held.next_attempt_at == datetime(2026, 11, 21, 23, 0, tzinfo=UTC)  # 07:00 Shanghai
    assert deliver(s, db, now=night + timedelta(hours=3)).sent == 0
    assert deliver(s, db, now=datetime(2026, 11, 21, 23, 0, tzinfo=UTC)).sent == 1
    assert [b["tier"] for b in r.jsons()] == ["critical", "significant"]


def test_rate_limit_merges_a_burst_into_one_message(db, receiver) -> None:
    r = receiver()
    s = settings(hook("limited", r.url, rate_limit=2))
    for i in range(5):
        tiered_story(db, "significant", title=f"burst {i}")
    raise_alerts(s, db, now=T0)
    report = deliver(s, db, now=T0)
    assert (report.sent, report.merged, report.backlog) == (5, 5, 0)
    (batch,) = r.jsons()
    assert batch["event"] == "batch" and batch["count"] == 5
    with db() as session:
        assert sorted(a["id"] for a in batch["alerts"]) == sorted(session.scalars(select(Alert.uid)))
        assert len(set(session.scalars(select(Delivery.message_id)))) == 1


def test_rate_limit_sends_singly_within_the_limit_and_waits_when_used_up(db, receiver) -> None:
    r = receiver()
    s = settings(hook("limited", r.url, rate_limit=2))
    tiered_story(db, "significant", title="one")
    tiered_story(db, "significant", title="two")
    raise_alerts(s, db, now=T0)
    assert deliver(s, db, now=T0).sent == 2 and len(r.accepted) == 2
    tiered_story(db, "major", title="three", at=T0 + timedelta(seconds=10))
    raise_alerts(s, db, now=T0 + timedelta(seconds=10))
    assert deliver(s, db, now=T0 + timedelta(seconds=10)).sent == 0  # 2 this minute already
    assert deliver(s, db, now=T0 + timedelta(seconds=61)).sent == 1
    assert [b["title"] for b in r.jsons()] == ["one", "two", "three"]
