"""`check_incidents` under an injected clock: deadline alerts to the next level, subsided, recurred."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.alerts.factories import add_post
from tests.alerts.test_jobs import T0, hook, settings, tiered_story
from yuqing.alerts.handling import ack_incident, close_incident, respond_incident
from yuqing.alerts.jobs import check_incidents, deliver, raise_alerts
from yuqing.alerts.models import Alert, Incident
from yuqing.analysis.models import Story
from yuqing.config.database import transaction


def escalating(office_url: str, leaders_url: str, *more: dict, **sections):
    return settings(hook("office", office_url), hook("leaders", leaders_url, min_tier="critical"), *more,
                    groups={"office": ["office", *(c["name"] for c in more)], "leaders": ["leaders"]},
                    schemes=[{"name": "交通局", "query": "交通局", "recipients": ["office"],
                              "escalate_to": ["leaders"]}], **sections)


def events(db, channel: str) -> list[tuple[str, str | None]]:
    with db() as session:
        return [(a.event, (a.payload.get("deadline") or {}).get("name")) for a in
                session.scalars(select(Alert).where(Alert.channel == channel).order_by(Alert.id))]


def test_deadline_alerts_fire_at_the_right_times_once_each(db, receiver) -> None:
    office, leaders = receiver(), receiver()
    s = escalating(office.url, leaders.url)
    tiered_story(db, "major", category="emergency")
    raise_alerts(s, db, now=T0)
    for minutes in (0, 10, 23):
        assert check_incidents(s, db, now=T0 + timedelta(minutes=minutes)).deadline_alerts == 0
    assert check_incidents(s, db, now=T0 + timedelta(minutes=24)).deadline_alerts == 2  # 80 % of 30 min
    assert check_incidents(s, db, now=T0 + timedelta(minutes=25)).deadline_alerts == 0  # once
    assert check_incidents(s, db, now=T0 + timedelta(minutes=30)).deadline_alerts == 2  # missed
    assert check_incidents(s, db, now=T0 + timedelta(minutes=95)).deadline_alerts == 0
    assert check_incidents(s, db, now=T0 + timedelta(minutes=96)).deadline_alerts == 2  # 80 % of 2 h facts
    assert events(db, "leaders") == [("incident.deadline_near", "report_by"),
                                     ("incident.deadline_missed", "report_by"),
                                     ("incident.deadline_near", "facts_by")]
    assert events(db, "office")[0] == ("story.tier_raised", None) and len(events(db, "office")) == 4
    deliver(s, db, now=T0 + timedelta(minutes=96))
    missed = next(b for b in leaders.jsons() if b["event"] == "incident.deadline_missed")
    assert missed["deadline"] == {"name": "report_by", "due_at": "2026-11-21T10:30:00+08:00", "state": "missed"}
    with db() as session:
        kinds = [e.kind for e in session.scalars(select(Incident)).one().events]
    assert kinds == ["opened", "deadline_near", "deadline_missed", "deadline_near"]


def test_acknowledging_and_responding_meet_their_deadlines(db, receiver) -> None:
    office, leaders = receiver(), receiver()
    s = escalating(office.url, leaders.url)
    tiered_story(db, "major", category="emergency")
    raise_alerts(s, db, now=T0)
    with db() as session:
        incident_id = session.scalars(select(Incident.id)).one()
    ack_incident(db, incident_id, by="值班员 张三", now=T0 + timedelta(minutes=5))
    respond_incident(db, incident_id, note="已发布情况通报", url="https://gov.example.cn/notice/1",
                     now=T0 + timedelta(minutes=50))
    for hours in (1, 2, 11):
        assert check_incidents(s, db, now=T0 + timedelta(hours=hours)).deadline_alerts == 0
    with db() as session:
        incident = session.get(Incident, incident_id)
        assert incident.status == "responded" and incident.acknowledged_by == "值班员 张三"
        assert [(e.kind, e.actor) for e in incident.events] == [("opened", None), ("acknowledged", "值班员 张三"),
                                                               ("responded", None)]


def test_no_growth_for_subside_after_marks_subsided_and_alerts_once(db, receiver) -> None:
    r = receiver()
    s = settings(hook("office", r.url), incidents={"subside_after": "12h"})
    story_id = tiered_story(db, "significant")
    raise_alerts(s, db, now=T0)
    with db() as session:
        incident_id = session.scalars(select(Incident.id)).one()
    ack_incident(db, incident_id, by="李四", now=T0 + timedelta(minutes=10))
    respond_incident(db, incident_id, note="已回应", url=None, now=T0 + timedelta(hours=1))
    with transaction(db) as session:  # the story grows at +6 h: the 12 h count starts again
        add_post(session, session.get(Story, story_id), site="weibo.example.cn", now=T0 + timedelta(hours=6))
    assert check_incidents(s, db, now=T0 + timedelta(hours=6)).subsided == 0
    assert check_incidents(s, db, now=T0 + timedelta(hours=17, minutes=59)).subsided == 0
    assert check_incidents(s, db, now=T0 + timedelta(hours=18)).subsided == 1
    assert check_incidents(s, db, now=T0 + timedelta(hours=19)).subsided == 0
    deliver(s, db, now=T0 + timedelta(hours=19))
    assert [b["event"] for b in r.jsons()] == ["story.tier_raised", "story.subsided"]
    with db() as session:
        incident = session.get(Incident, incident_id)
        assert incident.status == "subsided" and incident.subsided_at == T0 + timedelta(hours=18)
    with transaction(db) as session:  # it spreads again: back to where the handling was
        add_post(session, session.get(Story, story_id), site="news2.example.cn", now=T0 + timedelta(hours=20))
    check_incidents(s, db, now=T0 + timedelta(hours=20))
    with db() as session:
        assert session.get(Incident, incident_id).status == "responded"


def test_new_copies_of_a_closed_story_reopen_it_as_recurred(db, receiver) -> None:
    r = receiver()
    s = settings(hook("office", r.url))
    story_id = tiered_story(db, "significant")
    raise_alerts(s, db, now=T0)
    with db() as session:
        incident_id = session.scalars(select(Incident.id)).one()
    ack_incident(db, incident_id, by="李四", now=T0 + timedelta(minutes=10))
    close_incident(db, incident_id, summary="已澄清, 舆情平稳", now=T0 + timedelta(days=1))
    assert check_incidents(s, db, now=T0 + timedelta(days=2)).recurred == 0
    with transaction(db) as session:
        add_post(session, session.get(Story, story_id), site="weibo.example.cn", now=T0 + timedelta(days=3))
    assert check_incidents(s, db, now=T0 + timedelta(days=3)).recurred == 1
    deliver(s, db, now=T0 + timedelta(days=3))
    assert [b["event"] for b in r.jsons()] == ["story.tier_raised", "story.recurred"]
    assert check_incidents(s, db, now=T0 + timedelta(days=3, hours=1)).recurred == 0
    with db() as session:
        incident = session.get(Incident, incident_id)
        assert (incident.status, incident.recurrences, incident.closed_at) == ("recurred", 1, None)
        assert incident.report_by == T0 + timedelta(days=3, minutes=30)  # a new cycle of deadlines
        assert incident.acknowledged_at is None
        kinds = [e.kind for e in incident.events]
        assert kinds[-3:] == ["closed", "recurred", "deadline_missed"]  # the new report deadline too


def test_a_subsided_incident_that_grows_again_is_checked_for_deadlines_in_the_same_pass(db, receiver) -> None:
    s = escalating(receiver().url, receiver().url, incidents={"subside_after": "6h"})
    story_id = tiered_story(db, "major")
    raise_alerts(s, db, now=T0)
    assert check_incidents(s, db, now=T0 + timedelta(minutes=30)).deadline_alerts == 2  # report_by missed
    assert check_incidents(s, db, now=T0 + timedelta(hours=6)).subsided == 1  # no deadline checked meanwhile
    with transaction(db) as session:
        add_post(session, session.get(Story, story_id), site="weibo.example.cn", now=T0 + timedelta(hours=10))
    again = check_incidents(s, db, now=T0 + timedelta(hours=10))
    assert again.deadline_alerts == 2  # respond_by near (80 % of 12 h); report_by's alerts are not repeated
    assert events(db, "leaders") == [("incident.deadline_missed", "report_by"), ("incident.deadline_near", "respond_by")]
    with db() as session:
        incident = session.scalars(select(Incident)).one()
        assert incident.status == "open"
        assert [e.kind for e in incident.events] == ["opened", "deadline_missed", "subsided", "growing_again",
                                                     "deadline_near"]


def test_a_channel_added_later_hears_of_a_missed_deadline_the_others_heard_of_once(db, receiver) -> None:
    office, leaders, duty = receiver(), receiver(), receiver()
    tiered_story(db, "major")
    before = escalating(office.url, leaders.url)
    raise_alerts(before, db, now=T0)
    assert check_incidents(before, db, now=T0 + timedelta(minutes=30)).deadline_alerts == 2
    after = escalating(office.url, leaders.url, hook("duty", duty.url))
    assert check_incidents(after, db, now=T0 + timedelta(minutes=31)).deadline_alerts == 1
    assert check_incidents(after, db, now=T0 + timedelta(minutes=32)).deadline_alerts == 0
    assert [events(db, name) for name in ("leaders", "duty")] == [[("incident.deadline_missed", "report_by")]] * 2
    with db() as session:
        assert [e.kind for e in session.scalars(select(Incident)).one().events] == ["opened", "deadline_missed"]
