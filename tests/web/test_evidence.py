"""Evidence in the console: the story and incident pages list each copy's kept page (hash, times,
deletion) escaped; the page bytes come only as a sandboxed download for handlers (audited), the
screenshot only as a sandboxed image; copies without evidence answer 404."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from starlette.testclient import TestClient

from yuqing.analysis.models import StoryPost
from yuqing.collector.models import EvidencePage, Post
from yuqing.config.database import transaction, utcnow
from yuqing.service.accounts import AuditEntry

from .conftest import World

HOSTILE_PAGE = b"<html><body><script>alert(document.cookie)</script><h1>\xbd\xad\xb3\xc7</h1></body></html>"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64  # the bytes are served as they are kept; no decoder runs here


def _keep_evidence(world: World) -> tuple[int, int]:
    """Kept pages for the world's two copies: the first deleted, with a screenshot and a hostile title."""
    now = utcnow()
    with transaction(world.sessions) as session:
        posts = list(session.scalars(select(Post).join(StoryPost, StoryPost.post_id == Post.id)
                                     .where(StoryPost.story_id == world.story_id).order_by(Post.id)))
        posts[0].title = "<b>删帖</b>"
        for post in posts:
            session.add(EvidencePage(
                post_id=post.id, url=post.url, fetched_at=now - timedelta(minutes=10), status=200,
                headers=[["Content-Type", "text/html; charset=GBK"]], sha256=hashlib.sha256(HOSTILE_PAGE).hexdigest(),
                raw_size=len(HOSTILE_PAGE), stored_size=0, content=zlib.compress(HOSTILE_PAGE),
                screenshot=PNG if post is posts[0] else None, watching=post is not posts[0],
                gone_since=now if post is posts[0] else None, deleted_at=now if post is posts[0] else None))
        return posts[0].id, posts[1].id


def test_story_and_incident_pages_list_each_copys_evidence(login: Callable[[str], TestClient], world: World) -> None:
    deleted, alive = _keep_evidence(world)
    viewer = login("viewer")
    for path in (f"/stories/{world.story_id}", f"/incidents/{world.incident_id}"):
        html = viewer.get(path).text
        assert "证据存档(2/2)" in html, path
        assert hashlib.sha256(HOSTILE_PAGE).hexdigest()[:16] in html and "已删除" in html and "仍在" in html
        assert "&lt;b&gt;删帖&lt;/b&gt;" in html and "<b>删帖</b>" not in html  # web text stays text
        assert f"/evidence/{deleted}/screenshot" in html and f"/evidence/{alive}/screenshot" not in html
        assert "/page" not in html  # a viewer is not offered the raw page
        assert "alert(document.cookie)" not in html  # the kept bytes never reach a page
    assert f"/evidence/{alive}/page" in login("handler").get(f"/stories/{world.story_id}").text


def test_the_raw_page_is_a_sandboxed_download_for_handlers_only(login: Callable[[str], TestClient],
                                                                world: World) -> None:
    deleted, _ = _keep_evidence(world)
    assert login("viewer").get(f"/evidence/{deleted}/page").status_code == 403
    answer = login("handler").get(f"/evidence/{deleted}/page")
    assert answer.status_code == 200 and answer.content == HOSTILE_PAGE
    assert answer.headers["content-type"] == "application/octet-stream"
    assert answer.headers["content-disposition"] == f'attachment; filename="post-{deleted}.page.bin"'
    assert answer.headers["content-security-policy"] == "sandbox; default-src 'none'"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-evidence-sha256"] == hashlib.sha256(answer.content).hexdigest()
    with world.sessions() as session:
        (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "evidence_download")).all()
    assert entry.actor == "张三" and entry.target == f"post {deleted}"


def test_the_screenshot_is_an_image_only(login: Callable[[str], TestClient], world: World) -> None:
    deleted, alive = _keep_evidence(world)
    client = login("viewer")
    answer = client.get(f"/evidence/{deleted}/screenshot")
    assert answer.status_code == 200 and answer.content == PNG
    assert answer.headers["content-type"] == "image/png"
    assert answer.headers["content-security-policy"] == "sandbox; default-src 'none'"
    assert client.get(f"/evidence/{alive}/screenshot").status_code == 404
    assert login("handler").get(f"/evidence/{alive + 1000}/page").status_code == 404
