"""The simulator serves what real sites serve (parsed here with bs4 and feedparser), and its
scenario's numbers cross the default tiers exactly at the steps its expectations name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import feedparser
import httpx
import pytest
from bs4 import BeautifulSoup

from yuqing.config.settings import Settings
from yuqing.simulator.pages import CST, short_count
from yuqing.simulator.receiver import WebhookReceiver
from yuqing.simulator.scenario import (
    EXPECTED_ALERTS,
    ITEMS,
    STEPS,
    Item,
    story_of_alert,
    story_of_url,
    visible_items,
)
from yuqing.simulator.sites import SimulatedSites

START = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@pytest.fixture
def sites() -> Iterator[SimulatedSites]:
    with SimulatedSites(copies=3, start=START) as running:
        yield running


def _advance(sites: SimulatedSites, to: int) -> None:
    while sites.step < to:
        sites.advance(START + timedelta(minutes=20 * (sites.step + 1)))


def test_discuz_board_is_gbk_with_the_x34_markup(sites: SimulatedSites) -> None:
    _advance(sites, 2)
    response = httpx.get(sites.url("bbs"))
    assert response.headers["content-type"] == "text/html; charset=gbk"
    with pytest.raises(UnicodeDecodeError):
        response.content.decode("utf-8")
    soup = BeautifulSoup(response.content.decode("gbk"), "lxml")
    assert b'<meta http-equiv="Content-Type" content="text/html; charset=gbk" />' in response.content
    rows = soup.select("table#threadlisttableid tbody[id^=normalthread_]")
    expected = visible_items(0, "bbs", 2)
    assert [r["id"].removeprefix("normalthread_") for r in rows] == [str(i.id) for i in expected]
    main = next(r for r in rows if r["id"] == "normalthread_1001")
    assert main.select_one("th a.s.xst").get_text() == "江城市交通运输局执法车撞伤小学生后离开，家长讨说法遭推诿"
    assert main.select_one("th a.s.xst")["href"].startswith("forum.php?mod=viewthread&tid=1001")
    assert main.select_one("td.by cite a").get_text() == "解放路家长"
    assert main.select_one("td.by em span[title]")["title"] == "2026-11-20 09:13"  # first seen at step 1 (09:20), 7 min before
    assert main.select_one("td.by em span").get_text() == "27\xa0分钟前"
    assert (main.select_one("td.num a.xi2").get_text(), main.select_one("td.num em").get_text()) == ("64", "1350")


def test_discuz_thread_page_has_counts_and_the_first_post(sites: SimulatedSites) -> None:
    _advance(sites, 3)
    response = httpx.get(sites.base_url + "/bbs/forum.php?mod=viewthread&tid=1001")
    soup = BeautifulSoup(response.content.decode("gbk"), "lxml")
    assert soup.select_one("h1.ts span#thread_subject").get_text().startswith("江城市交通运输局执法车")
    assert [s.get_text() for s in soup.select("div.hm.ptn span.xi1")] == ["9800", "420"]
    posts = soup.select("#postlist > div[id^=post_]")
    assert len(posts) == 3
    first = posts[0]
    assert first.select_one("div.authi a.xw1").get_text() == "解放路家长"
    assert first.select_one("em[id^=authorposton] span[title]")["title"] == "2026-11-20 09:13"
    assert first.select_one("td.t_f[id^=postmessage_]").get_text().strip().startswith("今天早上七点半")
    utf8 = httpx.get(sites.base_url + "/bbs2/forum.php?mod=viewthread&tid=2001")
    assert "转自江城论坛" in utf8.content.decode("utf-8")
    assert httpx.get(sites.base_url + "/bbs/forum.php?mod=viewthread&tid=2001").status_code == 404


def test_feeds_parse_cleanly_and_follow_the_steps(sites: SimulatedSites) -> None:
    before = feedparser.parse(httpx.get(sites.url("news")).content)
    assert not before.bozo and [e.title for e in before.entries] == [i.title for i in visible_items(0, "news", 0)]
    _advance(sites, 2)
    news = feedparser.parse(httpx.get(sites.url("news")).content)
    assert not news.bozo
    reprint = next(e for e in news.entries if "执法车" in e.title)
    assert "今天早上七点半" in reprint.summary
    assert reprint.link == sites.base_url + "/news/article/111.html"
    assert story_of_url(reprint.link) == "main"
    press = feedparser.parse(httpx.get(sites.url("press")).content)
    assert not press.bozo and press.version == "atom10"
    assert {e.title for e in press.entries} == {i.title for i in visible_items(0, "press", 2)}
    assert httpx.get(press.entries[0].link).status_code == 200


def test_weibo_list_shows_counts_as_the_platform_does(sites: SimulatedSites) -> None:
    _advance(sites, 3)
    soup = BeautifulSoup(httpx.get(sites.url("weibo")).content, "lxml")
    post = next(p for p in soup.select("div.post") if p.select_one("a.title")["href"] == "/weibo/status/3001")
    assert post.select_one("span.reposts").get_text() == "转发 210"
    assert post.select_one("span.views").get_text() == "阅读 1.2万"
    assert post.select_one("span.time").get_text() == "2026-11-20 09:13"
    assert short_count(56_000) == "5.6万" and short_count(120_000) == "12万" and short_count(999) == "999"


def test_a_published_item_is_served_from_the_moment_publish_returns(sites: SimulatedSites) -> None:
    _advance(sites, 1)
    before = datetime.now(UTC)
    extra = Item(90_000, "weibo", "江城市交通运输局执法人员乱罚款", "执法人员见车就罚，不听解释。", "网友", 0,
                 {0: (3000, 40, 130)})
    online = sites.publish(extra)
    assert online.published_at is not None and before <= online.published_at <= datetime.now(UTC)
    soup = BeautifulSoup(httpx.get(sites.url("weibo")).content, "lxml")
    posts = soup.select("div.post")
    assert posts[0].select_one("a.title")["href"] == "/weibo/status/90000"  # the newest, first in the list
    assert posts[0].select_one("span.reposts").get_text() == "转发 130"
    shown = online.published_at.astimezone(CST)
    assert posts[0].select_one("span.time").get_text() == f"{shown:%Y-%m-%d %H:%M}"
    assert "执法人员见车就罚" in httpx.get(sites.base_url + "/weibo/status/90000").text
    # only the copy it was published on, and only its own board
    copy = BeautifulSoup(httpx.get(sites.url("weibo", copy=1)).content, "lxml")
    assert all(p["id"] != "p90000" for p in copy.select("div.post"))
    assert "90000" not in httpx.get(sites.url("bbs")).content.decode("gbk")
    sites.advance()
    assert BeautifulSoup(httpx.get(sites.url("weibo")).content, "lxml").select("div.post")[0]["id"] == "p90000"


def test_copies_serve_a_background_world_and_conditional_get_works(sites: SimulatedSites) -> None:
    copy = feedparser.parse(httpx.get(sites.url("news", copy=2)).content)
    assert copy.entries and all("片区" in e.title for e in copy.entries)
    assert all(e.link.startswith(sites.base_url + "/s/2/") for e in copy.entries)
    assert httpx.get(sites.base_url + "/s/3/news/rss.xml").status_code == 404
    first = httpx.get(sites.url("weibo"))
    again = httpx.get(sites.url("weibo"), headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    sites.advance()
    assert httpx.get(sites.url("weibo"), headers={"If-None-Match": first.headers["etag"]}).status_code == 200
    sites.failing.add("/bbs/")
    assert httpx.get(sites.url("bbs")).status_code == 503
    assert httpx.get(sites.base_url + "/robots.txt").text == "User-agent: *\nAllow: /\n"


def test_advancing_past_the_last_step_is_an_error(sites: SimulatedSites) -> None:
    _advance(sites, STEPS - 1)
    with pytest.raises(IndexError):
        sites.advance()


def _story_figures(label: str, step: int) -> tuple[int, int, int]:
    """(sites, clicks_24h, reposts) of a scenario story at a step, as docs/spec.md §3 counts them."""
    items = [i for i in ITEMS if i.story == label and i.first_step <= step]
    clicks = sum(i.counts_at(step)[0] + i.counts_at(step)[1] for i in items)
    reposts = sum(i.counts_at(step)[2] for i in items) + len(items) - 1
    return len({i.board for i in items}), clicks, reposts


def _tier(figures: tuple[int, int, int]) -> str | None:
    sites_, clicks, reposts = figures
    tiers = Settings().tiers
    reached = None
    for name in ("significant", "major", "critical"):
        rule = getattr(tiers, name)
        if (sites_ >= rule.min_sites and clicks > rule.clicks_24h) or reposts > rule.reposts:
            reached = name
    return reached


@pytest.mark.parametrize("label", ["main", "reposts", "positive", "notice", "hospital", "complaint"])
def test_scenario_numbers_cross_the_default_tiers_where_the_expectations_say(label: str) -> None:
    expected = {(a.step, a.tier) for a in EXPECTED_ALERTS if a.story == label}
    crossings, previous = set(), None
    for step in range(STEPS):
        tier = _tier(_story_figures(label, step))
        if tier != previous and tier is not None:
            crossings.add((step, tier))
        previous = tier
    if label in ("main", "reposts"):
        assert crossings == expected
    elif label == "complaint":
        assert crossings == set()  # small: general at most
    else:  # the distractors have the reach of a critical story; only their content keeps them quiet
        assert ("critical" in {t for _, t in crossings}) or label == "notice"
        assert _tier(_story_figures(label, STEPS - 1)) in ("critical", "major")


def test_alerts_are_matched_to_stories_by_url() -> None:
    assert story_of_alert({"first_url": "http://127.0.0.1:1/bbs/forum.php?mod=viewthread&tid=1001"}) == "main"
    assert story_of_alert({"urls": ["http://x/weibo/status/3001"]}) == "reposts"
    assert story_of_alert({"urls": ["http://x/s/1/weibo/status/3001"]}) is None


def test_receiver_records_json_posts() -> None:
    with WebhookReceiver() as receiver:
        answer = httpx.post(receiver.url, json={"event": "test", "title": "测试"})
        assert answer.status_code == 200
        got = receiver.wait_for(1, timeout=5)
    assert got[0].json == {"event": "test", "title": "测试"}
    assert json.loads(got[0].body) == got[0].json and got[0].path == "/hook"
