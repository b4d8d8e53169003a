"""The 专报 of the demo's critical incident: statement and origin, spread over time, tier history
with reasons, guidance, the handling record so far, a blank 研判 section."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import select

from tests.alerts.reports.demo_db import Demo
from tests.alerts.reports.office import docx_images
from yuqing.alerts.handling import ack_incident, respond_incident
from yuqing.alerts.incidents import IncidentNotFoundError
from yuqing.alerts.models import Incident
from yuqing.alerts.payload import format_local
from yuqing.alerts.reports.incident import collect_incident
from yuqing.alerts.reports.jobs import make_incident_report
from yuqing.analysis.models import Story, StoryPost, TierChange
from yuqing.collector.models import Post
from yuqing.config.database import utcnow
from yuqing.config.types import CATEGORY_GUIDANCE


def _critical(demo: Demo) -> Incident:
    with demo.sessions() as session:
        return session.scalars(select(Incident).where(Incident.tier == "critical")).one()


def _all_text(path: Path) -> str:
    doc = Document(io.BytesIO(path.read_bytes()))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_the_critical_incidents_report_carries_its_timeline_and_handling(demo: Demo, tmp_path: Path) -> None:
    copy = demo.copy(tmp_path / "demo")  # handled here, untouched for the other tests
    incident = _critical(copy)
    now = utcnow()
    ack_incident(copy.sessions, incident.id, by="值班员张三", now=now - timedelta(minutes=30))
    respond_incident(copy.sessions, incident.id, note="已发布情况通报", url="https://jt.jiangcheng.example/n/1",
                     now=now - timedelta(minutes=10), by="宣传科李四")
    path = make_incident_report(copy.settings, copy.sessions, now=now, incident_id=incident.id, out_dir=tmp_path)
    text = _all_text(path)
    tz = copy.settings.digest.timezone
    with copy.sessions() as session:
        story = session.get(Story, incident.story_id)
        posts = session.execute(select(Post.site, Post.first_seen_at).join(StoryPost, StoryPost.post_id == Post.id)
                                .where(StoryPost.story_id == story.id)).all()
        changes = list(session.scalars(select(TierChange).where(TierChange.story_id == story.id)
                                        .order_by(TierChange.raised_at, TierChange.id)))
    assert story.title in text and story.first_site in text
    for site in {site for site, _seen in posts}:  # when each site picked it up
        first = min(seen for s, seen in posts if s == site)
        assert f"{site}\n{format_local(first, tz, '%Y-%m-%d %H:%M')}" in text
    assert [c.tier for c in changes][-1] == "critical"
    for change in changes:
        assert change.reason in text
    assert CATEGORY_GUIDANCE[story.category] in text
    assert "值班员张三" in text and "宣传科李四" in text and "已发布情况通报" in text
    assert "https://jt.jiangcheng.example/n/1" in text
    assert "按时完成" in text or "超时完成" in text
    assert "六、研判" in text and "(由值班人员填写研判意见)" in text
    assert len(docx_images(path)) == 1  # the propagation chart


def test_the_report_data_follows_the_database(demo: Demo) -> None:
    incident = _critical(demo)
    with demo.sessions() as session:
        report = collect_incident(session, demo.settings, incident.id, now=utcnow())
    assert report.incident.tier == "critical" and report.current_tier == "critical"
    assert sum(p.posts for p in report.pickups) == len(report.posts_over_time) == report.metrics["posts"]
    assert [p.first_seen_at for p in report.pickups] == sorted(p.first_seen_at for p in report.pickups)
    assert [h.kind for h in report.handling][0] == "opened"
    assert report.handling and report.tier_steps


def test_an_unknown_incident_is_named(demo: Demo) -> None:
    with demo.sessions() as session, pytest.raises(IncidentNotFoundError, match="no incident 999"):
        collect_incident(session, demo.settings, 999, now=utcnow())
