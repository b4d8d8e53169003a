"""`collect` end to end: fixtures served on 127.0.0.1 → posts, snapshots and source health."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.collector.conftest import NOW
from tests.collector.site import LocalSite, status
from tests.conftest import fixture_path
from yuqing.collector import poll
from yuqing.collector.jobs import collect
from yuqing.collector.models import Post, Snapshot, Source
from yuqing.collector.normalize import post_key
from yuqing.collector.store import list_source_health
from yuqing.config.errors import ConfigError
from yuqing.config.settings import Settings

BIG5_SELECTORS = {"item": "div.post", "title": "a.title", "link": "a.title@href", "time": "span.time",
                  "body": "div.text", "author": "span.author", "views": "span.views",
                  "replies": "span.replies", "reposts": "span.reposts"}


def settings_for(*sources: dict[str, Any]) -> Settings:
    """Settings with small limits, for sources on the local site."""
    return Settings(fetch={"timeout": "2s", "retries": 1, "backoff": "0.05s", "per_host_delay": "0s",
                           "per_host_concurrency": 8}, sources=list(sources))


def serve_fixture(site: LocalSite, path: str, area: str, name: str, content_type: str,
                  validators: bool = True) -> str:
    """Serve a saved page; a board's `<base href>` names the board, here the local site's folder."""
    body = fixture_path("collector", area, name).read_bytes()
    folder = site.url(path.split("?")[0].rsplit("/", 1)[0] + "/")
    body = re.sub(rb'<base href="[^"]*"', b'<base href="' + folder.encode() + b'"', body, count=1)
    site.serve(path.split("?")[0], body, content_type, validators=validators)
    return site.url(path)


def expected_keys(area: str, name: str) -> set[str]:
    saved = json.loads(fixture_path("collector", area, name + ".expected.json").read_text(encoding="utf-8"))
    return {post_key(i["url"], i["guid"]) for i in saved["items"]}


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_every_kind_of_source_is_stored_as_its_fixture_expects(db, site: LocalSite) -> None:
    sources = [
        {"name": "news", "kind": "rss", "url": serve_fixture(site, "/rss.xml", "feeds", "rss-utf8.xml",
                                                             "application/rss+xml; charset=utf-8")},
        {"name": "gov", "kind": "rss", "url": serve_fixture(site, "/zwgk.xml", "feeds", "atom-gb18030.xml",
                                                            "text/xml")},
        {"name": "bbs", "kind": "discuz", "url": serve_fixture(site, "/bbs/forum.php?mod=forumdisplay&fid=2",
                                                               "discuz", "list-gbk.html", "text/html"),
         "fetch_threads": False},  # the list alone here; thread pages are tested below
        {"name": "hk", "kind": "html", "url": serve_fixture(site, "/hot", "html", "list-big5.html", "text/html"),
         "selectors": BIG5_SELECTORS, "site": "hk.example.com"},
    ]
    report = collect(settings_for(*sources), db, now=NOW)
    outcomes = {r.name: (r.outcome, r.items_found, r.items_new) for r in report.results}
    assert outcomes == {"news": ("ok", 4, 4), "gov": ("ok", 1, 1), "bbs": ("ok", 7, 7), "hk": ("partial", 3, 3)}
    with db() as session:
        posts = {p.key: p for p in session.scalars(select(Post))}
        assert count(session, Snapshot) == 7 + 3 + 1  # boards and lists show counts; the RSS one slash:comments
    for area, name in (("feeds", "rss-utf8.xml"), ("feeds", "atom-gb18030.xml")):
        assert expected_keys(area, name) <= set(posts)
    bbs = [p for p in posts.values() if p.site == "127.0.0.1" and "viewthread" in p.key]
    assert len(bbs) == 7 and all(p.key.startswith(site.url("/bbs/forum.php?mod=viewthread")) for p in bbs)
    hk = [p for p in posts.values() if p.site == "hk.example.com"]
    assert {p.reposts for p in hk} == {12_000, None, 3}
    assert str(report) == "collected 4 sources: 4 read, 0 not modified, 0 failed; 15 items, 15 new"


def test_unchanged_feeds_are_polled_conditionally_and_store_nothing_new(db, site: LocalSite) -> None:
    url = serve_fixture(site, "/rss.xml", "feeds", "rss-utf8.xml", "application/rss+xml")
    settings = settings_for({"name": "news", "kind": "rss", "url": url})
    collect(settings, db, now=NOW)
    later = NOW + timedelta(minutes=10)
    report = collect(settings, db, now=later)
    assert [(r.outcome, r.http_status, r.items_new) for r in report.results] == [("not_modified", 304, 0)]
    second = site.requests_to("/rss.xml")[1].headers
    assert "If-None-Match" in second and "If-Modified-Since" in second
    with db() as session:
        assert count(session, Post) == 4 and count(session, Snapshot) == 1
        source = session.scalars(select(Source)).one()
        assert source.last_success_at == later and source.etag is not None


def test_a_readers_rows_serve_when_as_configured_and_a_moved_source_is_saved_first(db, site: LocalSite) -> None:
    url = serve_fixture(site, "/rss.xml", "feeds", "rss-utf8.xml", "application/rss+xml")
    settings = settings_for({"name": "news", "kind": "rss", "url": url})
    with db() as reader:  # no row yet: saved in collect's own transaction first
        first = collect(settings, db, now=NOW, reader=reader)
    later = NOW + timedelta(minutes=10)
    with db() as reader:  # as configured: its validators are read in the reader's transaction
        again = collect(settings, db, now=later, reader=reader)
    assert [(r.outcome, r.items_new) for r in first.results + again.results] == [("ok", 4), ("not_modified", 0)]
    assert "If-None-Match" in site.requests_to("/rss.xml")[1].headers
    moved = serve_fixture(site, "/moved.xml", "feeds", "rss-utf8.xml", "application/rss+xml")
    with db() as reader:  # a new URL: the row is changed (its old validators dropped) before the poll
        report = collect(settings_for({"name": "news", "kind": "rss", "url": moved}), db, now=later, reader=reader)
    assert [(r.outcome, r.http_status) for r in report.results] == [("ok", 200)]
    assert "If-None-Match" not in site.requests_to("/moved.xml")[0].headers
    with db() as session:
        assert session.scalars(select(Source)).one().url == moved


def test_failing_sources_are_recorded_and_never_block_the_others(db, site: LocalSite) -> None:
    site.routes["/down.xml"] = status(500)
    sources = [
        {"name": "down", "kind": "rss", "url": site.url("/down.xml"), "interval": "10m"},
        {"name": "moved", "kind": "rss", "url": serve_fixture(site, "/moved.xml", "feeds", "html-as-feed.xml",
                                                              "application/rss+xml")},
        {"name": "good", "kind": "rss", "url": serve_fixture(site, "/good.xml", "feeds", "rss-broken-tail.xml",
                                                             "application/rss+xml")},
    ]
    report = collect(settings_for(*sources), db, now=NOW)
    results = {r.name: r for r in report.results}
    assert results["down"].error == "HTTP 500 Internal Server Error (after 2 attempts)"
    assert "HTML page" in (results["moved"].error or "")
    assert results["good"].outcome == "partial" and results["good"].items_new == 4
    with db() as session:
        rows = {s.name: s for s in session.scalars(select(Source))}
        assert rows["down"].consecutive_failures == 1 and rows["down"].next_poll_at == NOW + timedelta(minutes=20)
        assert rows["moved"].last_error == results["moved"].error
        assert rows["good"].consecutive_failures == 0 and "malformed" in (rows["good"].last_warning or "")


def test_thread_pages_complete_new_threads_once(db, site: LocalSite) -> None:
    url = serve_fixture(site, "/bbs/forum.php?mod=forumdisplay&fid=2", "discuz", "list-gbk.html", "text/html",
                        validators=False)  # PHP boards send no validators
    serve_fixture(site, "/bbs/thread-2044-1-1.html", "discuz", "thread-gbk.html", "text/html")
    site.routes["/bbs/thread-2045-1-1.html"] = status(500)
    settings = settings_for({"name": "bbs", "kind": "discuz", "url": url, "fetch_threads": True})
    first = collect(settings, db, now=NOW).results[0]
    assert first.outcome == "partial" and "6 of 7 thread pages could not be read" in (first.warning or "")
    with db() as session:
        post = session.scalars(select(Post).where(Post.key.like("%tid=2044"))).one()
        assert post.body.startswith("今天早上骑车过滨江大桥") and post.views == 35210 and post.replies == 128
    collect(settings, db, now=NOW + timedelta(minutes=5))
    assert len(site.requests_to("/bbs/thread-2044-1-1.html")) == 1  # its text is stored; not fetched again
    assert len(site.requests_to("/bbs/thread-2045-1-1.html")) == 4  # 2 attempts per poll, still missing


def test_thread_pages_are_fetched_by_default_and_unreadable_ones_warn_on_the_source(db, site: LocalSite) -> None:
    url = serve_fixture(site, "/bbs/forum.php?mod=forumdisplay&fid=2", "discuz", "list-gbk.html", "text/html",
                        validators=False)
    site.routes["/bbs/thread-2044-1-1.html"] = lambda h: h.send_simple(200, "<p>请先登录</p>".encode(),
                                                                        {"Content-Type": "text/html; charset=utf-8"})
    settings = settings_for({"name": "bbs", "kind": "discuz", "url": url})  # fetch_threads not set: on
    result = collect(settings, db, now=NOW).results[0]
    assert result.outcome == "partial" and result.items_new == 7
    assert len(site.requests_to("/bbs/thread-2044-1-1.html")) == 1
    with db() as session:
        health = list_source_health(session, settings.sources)[0]
    assert health.status == "ok" and health.last_warning is not None
    assert health.last_warning.startswith("the board lists threads, but none of their pages could be read (7 tried")
    assert "stored with titles only" in health.last_warning


def test_short_feed_descriptions_are_completed_from_the_article(db, site: LocalSite) -> None:
    feed = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
            f"<link>{site.base}/</link>"
            "<item><title>城东菜市场提升改造工程启动</title><link>/local/c_88177.html</link>"
            "<description>改造预计明年春节前完工。</description></item></channel></rss>")
    site.serve("/rss.xml", feed.encode(), "application/rss+xml")
    page = ("<html><head><title>城东菜市场提升改造工程启动</title></head><body><nav>首页 | 新闻 | 图片</nav>"
            "<article><h1>城东菜市场提升改造工程启动</h1>"
            + "".join(f"<p>第{n}段：改造工程包括屋顶、排水、摊位和消防设施的全面更新，市场管理方表示施工期间设置临时摊位。</p>"
                      for n in range(8)) + "</article><footer>版权所有 滨江日报</footer></body></html>")
    site.routes["/local/c_88177.html"] = lambda h: h.send_simple(
        200, page.encode(), {"Content-Type": "text/html; charset=utf-8"})
    settings = settings_for({"name": "news", "kind": "rss", "url": site.url("/rss.xml"), "fetch_article": True})
    collect(settings, db, now=NOW)
    with db() as session:
        post = session.scalars(select(Post)).one()
        assert "第7段" in post.body and "版权所有" not in post.body
    assert len(site.requests_to("/local/c_88177.html")) == 1


def test_unknown_source_names_are_a_configuration_error(db) -> None:
    with pytest.raises(ConfigError, match="unknown source 'nope'; configured sources: a"):
        collect(settings_for({"name": "a", "kind": "rss", "url": "http://127.0.0.1:9/"}), db, names=["nope"], now=NOW)


def test_an_unexpected_parser_error_is_recorded_on_its_source_only(db, site: LocalSite, monkeypatch) -> None:
    parse = poll.parse_document

    def parse_or_fail(source, result, now, tz):
        if source.name == "odd":
            raise RuntimeError("boom")
        return parse(source, result, now, tz)

    monkeypatch.setattr(poll, "parse_document", parse_or_fail)
    sources = [{"name": name, "kind": "rss", "url": serve_fixture(site, f"/{name}.xml", "feeds", "rss-utf8.xml",
                                                                  "application/rss+xml")} for name in ("odd", "good")]
    settings = settings_for(*sources)
    report = collect(settings, db, now=NOW)
    results = {r.name: r for r in report.results}
    assert results["odd"].error == "internal error (RuntimeError: boom); please report it"
    assert results["good"].outcome == "ok" and results["good"].items_new == 4
    with db() as session:
        health = {h.name: h for h in list_source_health(session, settings.sources)}
    assert health["odd"].status == "failing" and health["odd"].last_error == results["odd"].error
    assert health["odd"].consecutive_failures == 1 and health["good"].ok


def test_a_failed_fetch_phase_is_recorded_on_every_source(db, monkeypatch) -> None:
    async def no_client(self):
        raise RuntimeError("no client")

    monkeypatch.setattr(poll.Fetcher, "__aenter__", no_client)
    settings = settings_for(*({"name": n, "kind": "rss", "url": f"http://127.0.0.1:9/{n}.xml"} for n in "ab"))
    report = collect(settings, db, now=NOW)
    assert [(r.name, r.error) for r in sorted(report.results, key=lambda r: r.name)] == [
        (n, "internal error (RuntimeError: no client); please report it") for n in "ab"]
    with db() as session:
        assert {h.name: h.status for h in list_source_health(session, settings.sources)} == {"a": "failing",
                                                                                            "b": "failing"}
