"""Discuz! X3.4 board lists and thread pages (GBK and UTF-8) → posts."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.collector.conftest import NOW, SHANGHAI
from tests.collector.expected import as_document, check_expected
from tests.conftest import fixture_path
from yuqing.collector.forums.discuz import parse_thread_list, parse_thread_page
from yuqing.collector.markup import decode_page
from yuqing.config.errors import ParseError

LIST_URL = "http://bbs.example.cn/forum.php?mod=forumdisplay&fid=2"


def _page(name: str) -> str:
    return decode_page(fixture_path("collector", "discuz", name).read_bytes(), "text/html")


@pytest.mark.parametrize("name", ["list-gbk.html", "list-utf8.html"])
def test_thread_list_matches_expected(name: str) -> None:
    parsed = parse_thread_list(_page(name), url=LIST_URL, site="bbs.example.cn", now=NOW, tz=SHANGHAI)
    check_expected(fixture_path("collector", "discuz", name), as_document(parsed))


@pytest.mark.parametrize("name", ["thread-gbk.html", "thread-utf8.html"])
def test_thread_page_matches_expected(name: str) -> None:
    post = parse_thread_page(_page(name), url="http://bbs.example.cn/forum.php?mod=viewthread&tid=1",
                             site="bbs.example.cn", now=NOW, tz=SHANGHAI)
    check_expected(fixture_path("collector", "discuz", name), {"item": post.to_dict()})


def test_relative_times_resolve_in_the_board_timezone() -> None:
    items = {i.title[:6]: i for i in parse_thread_list(_page("list-gbk.html"), url=LIST_URL, site="b",
                                                        now=NOW, tz=SHANGHAI).items}
    assert items["交通局回应滨"].published_at == datetime(2026, 11, 21, 7, 0, tzinfo=SHANGHAI)  # 3 小时前
    assert items["网传滨江大桥"].published_at == datetime(2026, 11, 21, 9, 30, tzinfo=SHANGHAI)  # 半小时前
    assert items["公交12路改"].published_at == datetime(2026, 11, 20, 18, 7, tzinfo=SHANGHAI)  # 昨天 18:07
    assert items["建议在实验小"].published_at == datetime(2026, 11, 16, tzinfo=SHANGHAI)  # 5 天前 + title
    assert items["请问交通违章"].published_at == datetime(2026, 11, 21, 8, 15, tzinfo=SHANGHAI)  # span[title]
    assert items["请问交通违章"].author == "匿名"
    assert items["网传滨江大桥"].author == "镕城居民"  # GBK-only character on a gbk page


def test_sticky_threads_are_listed_with_counts() -> None:
    items = parse_thread_list(_page("list-utf8.html"), url=LIST_URL, site="b", now=NOW, tz=SHANGHAI).items
    assert items[0].title == "关于规范民生诉求发帖格式的通知" and items[0].views == 8800
    assert [i.url.split("tid=")[1][:4] for i in items] == ["3000", "3001", "3002", "3003", "3004"]


def test_thread_page_takes_the_first_post_without_edit_notes() -> None:
    post = parse_thread_page(_page("thread-gbk.html"), url="u", site="b", now=NOW, tz=SHANGHAI)
    assert post.views == 35210 and post.replies == 128
    assert "本帖最后由" not in post.body and "喆哥" not in post.body  # the reply is not the post
    assert post.published_at == datetime(2026, 11, 21, 9, 28, 41, tzinfo=SHANGHAI)


def test_login_page_instead_of_list_says_so() -> None:
    html = ('<html><body><div id="messagetext" class="alert_info"><p>抱歉，您需要登录后才可以访问该版块</p>'
            '</div></body></html>')
    with pytest.raises(ParseError, match="shows a message instead of its thread list.*登录"):
        parse_thread_list(html, url=LIST_URL, site="b", now=NOW, tz=SHANGHAI)


def test_changed_layout_is_reported() -> None:
    with pytest.raises(ParseError, match="no table#threadlisttableid"):
        parse_thread_list("<html><body><ul><li>x</li></ul></body></html>", url=LIST_URL, site="b",
                          now=NOW, tz=SHANGHAI)
