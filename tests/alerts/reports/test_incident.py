"""The 专报 of the demo's critical incident: statement and origin, spread over time, tier history
with reasons, guidance, the handling record so far, a blank 研判 section."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from docx import Document
from PIL import Image
from sqlalchemy import select

from tests.alerts.reports.demo_db import Demo
from tests.alerts.reports.office import docx_images
from yuqing.alerts.handling import ack_incident, respond_incident
from yuqing.alerts.incidents import IncidentNotFoundError
from yuqing.alerts.models import Incident
from yuqing.alerts.payload import format_local
from yuqing.alerts.reasons import reason_zh
from yuqing.alerts.reports.charts import SHOT_RATIO, fit_screenshot
from yuqing.alerts.reports.incident import collect_incident
from yuqing.alerts.reports.jobs import make_incident_report
from yuqing.analysis.models import Story, StoryPost, TierChange
from yuqing.collector.models import EvidencePage, Post
from yuqing.collector.screenshot import MARGIN
from yuqing.config.database import transaction, utcnow
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
        assert reason_zh(change.reason) in text
    assert CATEGORY_GUIDANCE[story.category] in text
    assert "值班员张三" in text and "宣传科李四" in text and "已发布情况通报" in text
    assert "https://jt.jiangcheng.example/n/1" in text
    assert "按时完成" in text or "超时完成" in text
    assert "七、研判" in text and "(由值班人员填写研判意见)" in text
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


def test_the_report_carries_each_copys_evidence_and_the_screenshots(demo: Demo, tmp_path: Path) -> None:
    copy = demo.copy(tmp_path / "demo")
    incident = _critical(copy)
    now = utcnow()
    tall = Image.new("RGB", (1280, 2400), "white")
    tall.paste((0, 0, 0), (40, 40, 900, 120))  # the "headline"
    tall.paste((0, 0, 0), (40, 2200, 900, 2240))  # a line far down a long page
    shot = io.BytesIO()
    tall.save(shot, format="PNG")
    with transaction(copy.sessions) as session:
        pages = list(session.scalars(select(EvidencePage).join(StoryPost, StoryPost.post_id == EvidencePage.post_id)
                                     .where(StoryPost.story_id == incident.story_id).order_by(EvidencePage.id)))
        assert len(pages) >= 2, "the demo keeps the page of each copy of an alerted story"
        pages[0].screenshot, pages[0].gone_since = shot.getvalue(), now - timedelta(hours=1)
        pages[0].deleted_at = pages[0].gone_since
        pages[1].screenshot = b"not a png"  # left out of the report, not a broken document
        hashes = [p.sha256 for p in pages]
    path = make_incident_report(copy.settings, copy.sessions, now=now, incident_id=incident.id, out_dir=tmp_path)
    text = _all_text(path)
    assert "六、证据存档" in text and "七、研判" in text
    assert all(h and h in text for h in hashes)
    deleted_at = format_local(now - timedelta(hours=1), copy.settings.digest.timezone, "%Y-%m-%d %H:%M")
    assert f"已删除(首次发现于 {deleted_at})" in text and "附其中 1 条的页面截图" in text
    images = docx_images(path)
    assert len(images) == 2  # the propagation chart and the one screenshot that is an image
    with zipfile.ZipFile(path) as archive:
        sizes = [Image.open(io.BytesIO(archive.read(name))).size for name in images]
    assert (1280, 1600) in sizes  # the top of the page, as tall as SHOT_RATIO allows


def test_a_screenshot_is_cut_to_what_the_page_drew_and_to_a_page_of_the_report() -> None:
    short = Image.new("RGB", (1280, 2400), "white")
    short.paste((20, 20, 20), (40, 40, 900, 300))
    out = io.BytesIO()
    short.save(out, format="PNG")
    fitted = fit_screenshot(out.getvalue())
    assert fitted is not None and Image.open(io.BytesIO(fitted)).size == (1280, 300 + MARGIN)
    blank = io.BytesIO()
    Image.new("RGB", (1280, 2400), "white").save(blank, format="PNG")
    assert Image.open(io.BytesIO(fit_screenshot(blank.getvalue()) or b"")).size == (1280, int(1280 * SHOT_RATIO))
    assert fit_screenshot(b"<html>not an image</html>") is None
