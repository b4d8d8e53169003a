"""`kind = "json"` sources end to end: a weibo-shaped card list served on 127.0.0.1 → posts, counts, snapshots."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.collector.conftest import NOW
from tests.collector.site import LocalSite
from tests.conftest import fixture_path
from yuqing.collector.jobs import collect
from yuqing.collector.models import Post, Snapshot
from yuqing.config.settings import Settings

WEIBO_SELECTORS = {
    "items": "data.cards[?card_type==`9`].mblog", "id": "idstr || to_string(id)", "text": "text",
    "author": "user.screen_name", "time": "created_at", "reposts": "reposts_count",
    "replies": "comments_count", "likes": "attitudes_count",
}


def weibo_document() -> dict[str, Any]:
    """The project-written weibo-shaped card list (tests/fixtures/platforms/weibo-cards.json)."""
    return json.loads(fixture_path("platforms", "weibo-cards.json").read_text(encoding="utf-8"))


def json_source(site: LocalSite, path: str = "/api/container/getIndex", **extra: Any) -> dict[str, Any]:
    """A json source on the local site with the weibo selectors."""
    return {"name": "weibo", "kind": "json", "url": site.url(path), "site": "weibo.example",
            "link_template": "https://m.weibo.example/detail/{id}", "selectors": WEIBO_SELECTORS, **extra}


def settings_for(*sources: dict[str, Any], **fetch: Any) -> Settings:
    """Settings with small limits, for sources on the local site."""
    return Settings(fetch={"timeout": "2s", "retries": 0, "backoff": "0.05s", "per_host_delay": "0s",
                           "per_host_concurrency": 8, **fetch}, sources=list(sources))


def serve_json(site: LocalSite, path: str, document: Any) -> None:
    """Serve a JSON document (no validators: a list API's answer changes every poll)."""
    site.serve(path, json.dumps(document, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8",
               validators=False)


def test_a_json_source_stores_text_time_and_the_three_counts(db, site: LocalSite) -> None:
    serve_json(site, "/api/container/getIndex", weibo_document())
    report = collect(settings_for(json_source(site)), db, now=NOW)
    assert [(r.outcome, r.items_found, r.items_new) for r in report.results] == [("ok", 3, 3)]
    with db() as session:
        posts = {p.url: p for p in session.scalars(select(Post))}
        first = posts["https://m.weibo.example/detail/5001000000000001"]
        assert first.body.startswith("#江城交通局# 江城交通局回应公交线路调整")
        assert "<" not in first.body and "网友:调整前没有征求意见" in first.body
        assert first.title.startswith("#江城交通局# 江城交通局回应") and len(first.title) <= 60
        assert first.published_at.isoformat() == "2026-11-21T01:12:00+00:00"
        assert (first.reposts, first.replies, first.likes) == (120, 45, 310)
        assert first.author == "江城小王" and first.site == "weibo.example"
        second = posts["https://m.weibo.example/detail/5001000000000002"]
        assert (second.reposts, second.replies, second.likes) == (3, 12_000, 1_000_000)
        assert second.published_at.isoformat() == "2026-11-20T00:30:00+00:00"  # "昨天 08:30", Shanghai
        third = posts["https://m.weibo.example/detail/5001000000000003"]
        assert third.published_at.isoformat() == "2026-11-21T00:00:00+00:00"  # epoch milliseconds
        assert len(session.scalars(select(Snapshot)).all()) == 3


def test_a_second_poll_with_higher_counts_adds_snapshots(db, site: LocalSite) -> None:
    document = weibo_document()
    serve_json(site, "/api/container/getIndex", document)
    settings = settings_for(json_source(site))
    collect(settings, db, now=NOW)
    document["data"]["cards"][0]["mblog"].update(reposts_count=480, comments_count=90, attitudes_count=900)
    serve_json(site, "/api/container/getIndex", document)
    report = collect(settings, db, now=NOW + timedelta(minutes=10))
    assert [(r.outcome, r.items_new, r.items_updated) for r in report.results] == [("ok", 0, 1)]
    with db() as session:
        post = session.scalars(select(Post).where(Post.url.endswith("5001000000000001"))).one()
        series = [(s.reposts, s.replies, s.likes) for s in post.snapshots]
        assert series == [(120, 45, 310), (480, 90, 900)]


def test_pages_follow_the_page_number_up_to_the_cap(db, site: LocalSite) -> None:
    document = weibo_document()
    for page in (1, 2, 3):
        cards = [{"card_type": 9, "mblog": {"id": f"{page}00{i}", "text": f"第{page}页第{i}条", "reposts_count": i}}
                 for i in range(2)]
        serve_json(site, f"/search?page={page}", {"ok": 1, "data": {"cards": cards}})
    source = json_source(site, "/search?page={page}", max_pages=2)
    report = collect(settings_for(source), db, now=NOW)
    assert [(r.outcome, r.items_found) for r in report.results] == [("ok", 4)]
    assert [s.path for s in site.seen] == ["/robots.txt", "/search?page=1", "/search?page=2"]
    assert document["ok"] == 1


def test_pages_follow_a_cursor_and_headers_come_from_the_environment(db, site: LocalSite, monkeypatch) -> None:
    monkeypatch.setenv("YUQING_TEST_PLATFORM_COOKIE", "SUB=secret-value")
    answers = {"": ("c2", ["a", "b"]), "c2": (None, ["c"])}
    for cursor, (following, ids) in answers.items():
        cards = [{"card_type": 9, "mblog": {"id": i, "text": f"帖子{i}"}} for i in ids]
        info = {"since_id": following} if following else {}
        serve_json(site, f"/feed?since_id={cursor}", {"ok": 1, "data": {"cardlistInfo": info, "cards": cards}})
    selectors = {**WEIBO_SELECTORS, "id": "id", "cursor": "data.cardlistInfo.since_id"}
    source = json_source(site, "/feed?since_id={cursor}", max_pages=5, selectors=selectors,
                         headers={"Referer": "https://m.weibo.example/"},
                         headers_env={"Cookie": "YUQING_TEST_PLATFORM_COOKIE"})
    report = collect(settings_for(source), db, now=NOW)
    assert [(r.outcome, r.items_found) for r in report.results] == [("ok", 3)]
    asked = [s for s in site.seen if s.path.startswith("/feed")]
    assert [s.path for s in asked] == ["/feed?since_id=", "/feed?since_id=c2"]
    assert all(s.headers["Cookie"] == "SUB=secret-value" and s.headers["Referer"] for s in asked)


def test_a_missing_secret_variable_is_named_and_its_value_never_shown(db, site: LocalSite, monkeypatch) -> None:
    monkeypatch.delenv("YUQING_TEST_UNSET_COOKIE", raising=False)
    serve_json(site, "/api/container/getIndex", weibo_document())
    source = json_source(site, headers_env={"Cookie": "YUQING_TEST_UNSET_COOKIE"})
    report = collect(settings_for(source), db, now=NOW)
    assert report.results[0].outcome == "error"
    assert "$YUQING_TEST_UNSET_COOKIE" in (report.results[0].error or "")


def test_an_error_object_past_the_last_page_ends_the_paging_not_the_source(db, site: LocalSite) -> None:
    serve_json(site, "/search?page=1", weibo_document())
    serve_json(site, "/search?page=2", {"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}})
    report = collect(settings_for(json_source(site, "/search?page={page}", max_pages=3)), db, now=NOW)
    result = report.results[0]
    assert (result.outcome, result.items_found) == ("partial", 3)
    assert "a later page answered the platform answered ok: 0" in (result.warning or "")
    assert [s.path for s in site.seen if s.path.startswith("/search")] == ["/search?page=1", "/search?page=2"]


def test_a_real_saved_weibo_response_is_stored_item_by_item(db, site: LocalSite) -> None:
    from tests.collector.test_recipes import REAL_ENV, real_dir, recipe_source

    folder = real_dir()
    response = folder / "weibo-timeline.json" if folder else None
    if response is None or not response.is_file():
        pytest.skip(f"the real saved weibo answer weibo-timeline.json is not committed; set ${REAL_ENV} "
                    "(see tests/fixtures/platforms/PROVENANCE.md)")
    recipe = recipe_source("weibo-timeline")
    site.serve("/api/container/getIndex", response.read_bytes(), "application/json", validators=False)
    selectors = {k: v for k, v in recipe.selectors.model_dump().items() if v is not None and k != "cursor"}
    source = json_source(site, selectors=selectors, link_template=recipe.link_template)
    report = collect(settings_for(source), db, now=NOW)
    assert [(r.outcome, r.items_found, r.items_new) for r in report.results] == [("ok", 10, 10)]
    with db() as session:
        posts = session.scalars(select(Post)).all()
        assert len(posts) == 10 and len(session.scalars(select(Snapshot)).all()) == 10
    assert all(p.body and "<" not in p.body and p.published_at is not None for p in posts)
    assert all(None not in (p.reposts, p.replies, p.likes) for p in posts)
    assert sum(p.reposts == 1_000_000 for p in posts) == 4  # "100万+" as the platform shows it
