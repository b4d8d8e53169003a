"""Feeds: saved RSS/Atom documents (UTF-8, GB18030, broken, not a feed) → posts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.collector.conftest import NOW, SHANGHAI
from tests.collector.expected import as_document, check_expected
from tests.conftest import fixture_path
from yuqing.collector.feeds import parse_feed
from yuqing.config.errors import ParseError

FEEDS = {
    "rss-utf8.xml": "application/rss+xml; charset=utf-8",
    "atom-utf8.xml": "application/atom+xml",
    "rss-gb18030.xml": "application/rss+xml",  # the prolog says gb2312; the bytes are GB18030
    "atom-gb18030.xml": "text/xml; charset=GB18030",
    "rss-broken-tail.xml": "application/rss+xml",
}


def _parse(name: str, content_type: str | None = None, encoding: str | None = None):
    body = fixture_path("collector", "feeds", name).read_bytes()
    return parse_feed(body, url="https://news.example.cn/rss/local.xml", site="news.example.cn",
                      now=NOW, tz=SHANGHAI, content_type=content_type, encoding=encoding)


@pytest.mark.parametrize("name", sorted(FEEDS))
def test_feed_matches_its_expected_output(name: str) -> None:
    check_expected(fixture_path("collector", "feeds", name), as_document(_parse(name, FEEDS[name])))


def test_gb18030_feed_keeps_four_byte_characters_and_gbk_names() -> None:
    items = _parse("rss-gb18030.xml").items
    assert items[1].title == "𠮷野家门口的公交站能不能挪一挪"
    assert items[0].author == "镕城居民"
    assert not any("\ufffd" in item.title + item.body for item in items)


def test_times_without_zone_and_china_cst_are_read_in_the_source_timezone() -> None:
    items = {item.title: item for item in _parse("rss-utf8.xml").items}
    cst = items["第一人民医院回应“急诊排队四小时”：增派夜班医生"].published_at
    assert cst == datetime(2026, 11, 20, 23, 30, tzinfo=UTC)  # 07:30 in Shanghai, not US Central
    bare = items["我市发布冬季道路安全提示"].published_at
    assert bare == datetime(2026, 11, 20, 16, 45, tzinfo=SHANGHAI)


def test_relative_links_resolve_and_slash_comments_become_replies() -> None:
    items = _parse("rss-utf8.xml").items
    assert items[2].url == "https://news.example.cn/local/2026-11-18/c_88177.html"
    assert items[0].replies == 42 and items[1].replies is None


def test_broken_tail_keeps_good_entries_and_warns() -> None:
    parsed = _parse("rss-broken-tail.xml")
    assert [i.title for i in parsed.items[:3]] == [i.title for i in _parse("rss-utf8.xml").items[:3]]
    assert len(parsed.warnings) == 1 and "malformed" in parsed.warnings[0] and "line 35" in parsed.warnings[0]


def test_html_page_served_as_feed_is_a_parse_error_naming_the_page() -> None:
    with pytest.raises(ParseError, match="HTML page .*页面已迁移.*not an RSS or Atom feed") as caught:
        _parse("html-as-feed.xml", "application/rss+xml")
    check_expected(fixture_path("collector", "feeds", "html-as-feed.xml"), {"error": str(caught.value)})


def test_garbage_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="not a readable RSS or Atom feed|holds no RSS"):
        parse_feed(b"\x00\x01 nothing here", url="http://x/", site="x", now=NOW, tz=SHANGHAI)


def test_forced_encoding_wins_over_detection() -> None:
    body = fixture_path("collector", "feeds", "rss-gb18030.xml").read_bytes()
    wrong = parse_feed(body, url="http://x/", site="x", now=NOW, tz=SHANGHAI, encoding="big5")
    right = parse_feed(body, url="http://x/", site="x", now=NOW, tz=SHANGHAI, encoding="gbk")
    assert right.items[0].title == "网传滨江大桥出现裂缝？有没有人知道情况"
    assert wrong.items == [] or wrong.items[0].title != right.items[0].title
