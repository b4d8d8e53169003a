"""Evidence end to end over the simulated sites: the main story reaches the alerting tier and its
copies' pages are kept; then one copy answers 404 (GBK board), another a "帖子不存在" page (UTF-8
board) and the third stalls past the timeout. After the next polls both deleted copies are marked
with the time first seen gone, once, in the incident's record, their kept bytes still hash to what
was fetched, and the stalled copy is not marked.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select

from yuqing.alerts.models import Incident, IncidentEvent
from yuqing.analysis.models import StoryPost
from yuqing.collector.evidence import unpack_page
from yuqing.collector.models import EvidencePage, Post
from yuqing.config.database import utcnow
from yuqing.config.loading import load_settings
from yuqing.service.demo import scenario_start, write_demo_config
from yuqing.service.pipeline import process, run_pass
from yuqing.simulator import scenario
from yuqing.simulator.receiver import WebhookReceiver
from yuqing.simulator.sites import SimulatedSites

INCIDENT_STEP = 2  # the main story reaches significant (incidents.open_tier) at this step


def _target(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_deleted_copies_keep_their_evidence_and_are_marked_once(db, db_url: str, tmp_path: Path,
                                                                 yuqing) -> None:
    start = scenario_start(utcnow())
    with SimulatedSites(start=start) as sites, WebhookReceiver() as receiver:
        config = write_demo_config(tmp_path, sites, receiver)
        text = config.read_text(encoding="utf-8").replace('url = "sqlite:///yuqing-demo.db"', f'url = "{db_url}"')
        text = text.replace('timeout = "5s"', 'timeout = "2s"').replace(
            "[evidence]\n", '[evidence]\nwatch_interval = "1m"\n')
        config.write_text(text, encoding="utf-8")
        settings, _ = load_settings(str(config))
        times = [start + timedelta(minutes=scenario.STEP_MINUTES * step) for step in range(scenario.STEPS)]
        for step in range(INCIDENT_STEP + 1):
            if step:
                sites.advance(times[step])
            run_pass(settings, db, now=times[step])
        with db() as session:
            incident = next(i for i in session.scalars(select(Incident)) if any(
                scenario.story_of_url(url) == "main" for url in session.scalars(
                    select(Post.url).join(StoryPost, StoryPost.post_id == Post.id)
                    .where(StoryPost.story_id == i.story_id))))
            copies = {post.site: post for post in session.scalars(
                select(Post).join(StoryPost, StoryPost.post_id == Post.id)
                .where(StoryPost.story_id == incident.story_id))}
            pages = {p.post_id: p for p in session.scalars(select(EvidencePage))}
        assert set(copies) == {"bbs.jiangcheng.example", "life.jiangcheng.example", "news.jiangcheng.example"}
        served = {site: httpx.get(post.url).content for site, post in copies.items()}  # what the sites served
        for site, post in copies.items():
            page = pages[post.id]
            assert page.status == 200 and page.fetched_at == times[INCIDENT_STEP] and page.content is not None
            assert page.sha256 == hashlib.sha256(served[site]).hexdigest() == hashlib.sha256(
                unpack_page(page.content)).hexdigest()
            assert any(name.lower() == "content-type" for name, _ in page.headers)
        gbk, utf8, news = (copies[s] for s in ("bbs.jiangcheng.example", "life.jiangcheng.example",
                                               "news.jiangcheng.example"))
        assert "江城市交通运输局".encode("gbk") in unpack_page(pages[gbk.id].content or b"")

        sites.delete(_target(gbk.url))
        sites.delete(_target(utf8.url), "帖子不存在")
        sites.stall(_target(news.url), 4.0)
        for step in range(INCIDENT_STEP + 1, INCIDENT_STEP + 3):
            sites.advance(times[step])
            run_pass(settings, db, now=times[step])
        process(settings, db, now=times[INCIDENT_STEP + 3])  # a third look changes nothing

    first_gone = times[INCIDENT_STEP + 1].astimezone(UTC)
    with db() as session:
        after = {p.post_id: p for p in session.scalars(select(EvidencePage))}
        events = session.scalars(select(IncidentEvent).where(IncidentEvent.kind == "copy_deleted")).all()
    assert after[gbk.id].deleted_at == first_gone and (after[gbk.id].gone_reason or "").startswith("HTTP 404")
    assert after[utf8.id].deleted_at == first_gone and "帖子不存在" in (after[utf8.id].gone_reason or "")
    for post in (gbk, utf8):  # the boards dropped them from their lists too, and the watch saw it
        assert "no longer in its list" in (after[post.id].gone_reason or ""), after[post.id].gone_reason
    assert after[news.id].deleted_at is None and after[news.id].gone_since is None  # a timeout is no deletion
    for post in (gbk, utf8, news):
        assert after[post.id].sha256 == pages[post.id].sha256
        assert hashlib.sha256(unpack_page(after[post.id].content or b"")).hexdigest() == pages[post.id].sha256
    assert sorted(e.note.split(" ")[2].rstrip(":") for e in events) == sorted([gbk.url, utf8.url])  # once each

    cfg = ("--config", str(config))
    listed = yuqing(*cfg, "incidents", "--json")
    assert listed.code == 0, listed.err
    (record,) = [r for r in json.loads(listed.out) if r["id"] == incident.id]
    deleted = [e for e in record["events"] if e["kind"] == "copy_deleted"]
    assert len(deleted) == 2, deleted
    assert all(first_gone.strftime("%Y-%m-%d %H:%M:%S") in e["note"] for e in deleted), (first_gone, deleted)

    out = tmp_path / "evidence"
    shown = yuqing(*cfg, "evidence", str(incident.story_id), "--out", str(out))
    assert shown.code == 0, shown.err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    by_post = {c["post_id"]: c for c in manifest["copies"]}
    assert by_post[gbk.id]["deleted_at"] == first_gone.isoformat() and by_post[news.id]["deleted_at"] is None
    for post in (gbk, utf8, news):
        entry = by_post[post.id]
        assert entry["intact"] is True and entry["sha256"] == pages[post.id].sha256
        assert (out / entry["file"]).read_bytes() == served[post.site]
    assert not list(out.glob("*.html"))  # kept pages are never written as HTML
    sums = dict(reversed(line.split("  ")) for line in (out / "SHA256SUMS").read_text().splitlines())
    for name, digest in sums.items():  # what `sha256sum -c SHA256SUMS` checks
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name
    assert {by_post[p.id]["file"] for p in (gbk, utf8, news)} | {"manifest.json"} == set(sums)
