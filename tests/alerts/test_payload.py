"""The docs/spec.md §9 payload: every field, times with the +08:00 offset, a stable id."""

from __future__ import annotations

from datetime import UTC, datetime

from yuqing.alerts.payload import StoryFacts, alert_uid, build_payload, format_local

SPEC_FIELDS = {
    "event", "id", "story_id", "tier", "tier_label", "previous_tier", "title", "summary", "category",
    "category_label", "guidance", "schemes", "negativity", "metrics", "sites", "urls", "first_url",
    "first_seen_at", "detected_at", "deadlines", "reason",
}


def facts() -> StoryFacts:
    return StoryFacts(
        story_id=42, title="t", summary="s", category="emergency", schemes=["交通局"], negativity=0.91,
        sites=["bbs.example.cn", "news.example.cn", "weibo.example.cn"], urls=["http://a/1", "http://b/2"],
        first_url="http://a/1", first_seen_at=datetime(2026, 11, 21, 0, 3, tzinfo=UTC),
        metrics={"sites": 3, "posts": 7, "clicks_24h": 12430, "reposts": 320, "clicks_per_hour": 812.5},
    )


def test_payload_has_every_spec_field_in_local_time() -> None:
    payload = build_payload(
        "story.tier_raised", uid=alert_uid("story:42:tier:major:channel:hook"), facts=facts(), tier="major",
        previous_tier="significant", reason="sites 3 ≥ 2 and clicks_24h 12,430 > 10,000",
        detected_at=datetime(2026, 11, 21, 1, 41, 12, tzinfo=UTC),
        deadlines={"report_by": datetime(2026, 11, 21, 2, 11, 12, tzinfo=UTC), "facts_by": None,
                   "respond_by": datetime(2026, 11, 21, 13, 41, 12, tzinfo=UTC)},
        guidance="赶赴现场调查,两小时内通过媒体发布事实", timezone="Asia/Shanghai",
    )
    assert set(payload) >= SPEC_FIELDS
    assert payload["tier_label"] == "重大" and payload["category_label"] == "突发事件类"
    assert payload["first_seen_at"] == "2026-11-21T08:03:00+08:00"
    assert payload["detected_at"] == "2026-11-21T09:41:12+08:00"
    assert payload["deadlines"] == {"report_by": "2026-11-21T10:11:12+08:00",
                                    "respond_by": "2026-11-21T21:41:12+08:00"}
    assert payload["metrics"] == {"sites": 3, "posts": 7, "clicks_24h": 12430, "reposts": 320,
                                  "clicks_per_hour": 812.5}


def test_alert_uid_is_stable_per_dedupe_key() -> None:
    assert alert_uid("story:1:tier:major:channel:a") == alert_uid("story:1:tier:major:channel:a")
    assert alert_uid("story:1:tier:major:channel:a") != alert_uid("story:1:tier:major:channel:b")


def test_local_times_for_people_in_the_configured_zone() -> None:
    moment = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)
    assert format_local(moment, "Asia/Shanghai") == "11-21 07:30"
    assert format_local(moment, "Asia/Shanghai", "%H:%M") == "07:30"
    assert format_local(None, "Asia/Shanghai") == "—"
