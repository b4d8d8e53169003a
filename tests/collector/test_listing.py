"""Selector lists (`kind = "html"`): a Big5 page and an undeclared GBK page → posts."""

from __future__ import annotations

import pytest

from tests.collector.conftest import NOW, SHANGHAI
from tests.collector.expected import as_document, check_expected
from tests.conftest import fixture_path
from yuqing.collector.listing import parse_listing
from yuqing.collector.markup import decode_page
from yuqing.config.errors import ParseError
from yuqing.config.sources import Selectors

BIG5_SELECTORS = Selectors(
    item="div.post", title="a.title", link="a.title@href", time="span.time", body="div.text",
    author="span.author", views="span.views", replies="span.replies", reposts="span.reposts",
)
GBK_SELECTORS = Selectors(item="ul.news-list li", title="a@title", link="a@href", time="span.date",
                          views="em.hits")
PAGES = {
    "list-big5.html": (BIG5_SELECTORS, "https://hk.example.com/hot"),
    "list-gbk-undeclared.html": (GBK_SELECTORS, "http://gov.example.cn/news/bmdt/"),
}


def _parse(name: str):
    selectors, url = PAGES[name]
    text = decode_page(fixture_path("collector", "html", name).read_bytes(), "text/html")
    return parse_listing(text, selectors, url=url, site="s", now=NOW, tz=SHANGHAI)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_list_page_matches_expected(name: str) -> None:
    check_expected(fixture_path("collector", "html", name), as_document(_parse(name)))


def test_big5_counts_in_traditional_units_and_hkscs_characters() -> None:
    first = _parse("list-big5.html").items[0]
    assert first.title == "港鐵新線再度延誤 市民不滿：搞成咁都得㗎？"  # kept Traditional, as published
    assert (first.reposts, first.replies, first.views) == (12_000, 356, 100_000)


def test_items_without_link_are_skipped_with_a_warning() -> None:
    parsed = _parse("list-big5.html")
    assert len(parsed.items) == 3 and parsed.warnings == ["1 of 4 items had no title or link and were skipped"]


def test_undeclared_gbk_page_is_read_without_mojibake() -> None:
    items = _parse("list-gbk-undeclared.html").items
    assert items[1].title == "关于滨江大桥伸缩缝维修期间交通管制的通告" and items[1].views == 56_000
    assert items[3].url == "http://gov.example.cn/news/bmdt/202611/t20261118_88177.html"


def test_selector_that_matches_nothing_is_an_error() -> None:
    text = decode_page(fixture_path("collector", "html", "list-big5.html").read_bytes(), None)
    moved = Selectors(item="article.card", title="h2", link="a@href")
    with pytest.raises(ParseError, match="'article.card' matched nothing"):
        parse_listing(text, moved, url="https://hk.example.com/", site="s", now=NOW, tz=SHANGHAI)


def test_items_without_titles_anywhere_is_an_error() -> None:
    text = decode_page(fixture_path("collector", "html", "list-big5.html").read_bytes(), None)
    broken = Selectors(item="div.post", title="h2.gone", link="a.title@href")
    with pytest.raises(ParseError, match="none had both a title"):
        parse_listing(text, broken, url="https://hk.example.com/", site="s", now=NOW, tz=SHANGHAI)
