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
    with pytest.raises(ParseError, match="not a Discuz! thread list: no normalthread_N rows"):
        parse_thread_list("<html><body><ul><li>x</li></ul></body></html>", url=LIST_URL, site="b",
                          now=NOW, tz=SHANGHAI)


def test_a_board_with_no_threads_yet_is_an_empty_list_not_an_error() -> None:
    html = ('<html><body><div id="threadlist" class="tl bm"><form id="moderate"><table id="threadlisttableid">'
            '<tbody><tr><th>本版块暂无帖子</th></tr></tbody></table></form></div></body></html>')
    parsed = parse_thread_list(html, url=LIST_URL, site="b", now=NOW, tz=SHANGHAI)
    assert parsed.items == [] and parsed.warnings == []


# A customised Discuz! X theme as described in FIELD_NOTES (h1.v_tit, span.foldviews/foldreplies): the
# classes change, the ids the board software writes (thread_subject, postmessage_N, authorposton_N) stay.
CUSTOM_THEME = """<html><head><title>公交站台为何拆了_民生_某某论坛</title></head><body>
<div class="v_top"><h1 class="v_tit"><span id="thread_subject">公交站台为何拆了</span></h1>
<div class="v_info"><span class="foldviews" title="查看">1.2万</span><i>|</i><span class="foldreplies">35</span></div></div>
<div id="postlist" class="v_list">
<div id="post_771"><div class="v_author"><a href="home.php?mod=space&amp;uid=9" class="v_name">老街坊</a>
<em id="authorposton771">发表于 <span title="2026-11-20 08:05:31">昨天&nbsp;08:05</span></em></div>
<div class="v_msg"><div id="postmessage_771" class="v_text">城东路口的公交站台上周被拆，至今没有说法。</div></div></div>
<div id="post_772"><em id="authorposton772">发表于 今天 09:00</em>
<div id="postmessage_772">回复 1# 老街坊：同问</div></div></div></body></html>"""

LABELLED_COUNTS = """<html><body><div class="thread-head"><h2><b id="thread_subject">菜市场改造何时完工</b></h2>
<p class="meta">阅读 2,345 <span>|</span> 回复：12 <span>|</span> 楼主：张三</p></div>
<div id="post_5"><a class="xw1" href="home.php?mod=space&amp;uid=3">张三</a>
<em id="authorposton_5">发表于 2026-11-19 20:15</em><div class="t_f" id="postmessage_5">改造拖了半年。</div></div>
</body></html>"""


def test_a_customised_theme_is_read_by_its_ids_and_count_classes() -> None:
    post = parse_thread_page(CUSTOM_THEME, url="u", site="b", now=NOW, tz=SHANGHAI)
    assert post.title == "公交站台为何拆了" and (post.views, post.replies) == (12_000, 35)
    assert post.body == "城东路口的公交站台上周被拆，至今没有说法。" and post.author == "老街坊"
    assert post.published_at == datetime(2026, 11, 20, 8, 5, 31, tzinfo=SHANGHAI)


def test_counts_are_found_by_their_labels_near_the_subject() -> None:
    post = parse_thread_page(LABELLED_COUNTS, url="u", site="b", now=NOW, tz=SHANGHAI)
    assert (post.title, post.views, post.replies, post.author) == ("菜市场改造何时完工", 2345, 12, "张三")
    assert post.body == "改造拖了半年。"
    assert post.published_at == datetime(2026, 11, 19, 20, 15, tzinfo=SHANGHAI)


def test_a_thread_page_without_posts_says_what_is_missing() -> None:
    html = '<html><body><h1><span id="thread_subject">t</span></h1></body></html>'
    with pytest.raises(ParseError, match="no postmessage_N element"):
        parse_thread_page(html, url="u", site="b", now=NOW, tz=SHANGHAI)


def test_a_list_theme_without_xst_links_is_read_by_its_row_ids_and_thread_links() -> None:
    html = ('<html><head><base href="https://bbs.example.org/"></head><body><table><tbody id="normalthread_88">'
            '<tr><th><em>[<a href="forum.php?mod=forumdisplay&amp;fid=2&amp;typeid=3">求助</a>]</em>'
            '<a href="thread-88-1-1.html" class="title">路灯坏了一个月</a>'
            '<span class="tps"><a href="thread-88-2-1.html">2</a></span></th>'
            '<td class="by"><cite><a href="space-uid-5.html">夜归人</a></cite><em>2026-11-18 21:40</em></td>'
            '<td class="num"><a href="thread-88-1-1.html">17</a><em>1,204</em></td></tr></tbody></table></body></html>')
    item = parse_thread_list(html, url=LIST_URL, site="b", now=NOW, tz=SHANGHAI).items[0]
    assert (item.title, item.url) == ("路灯坏了一个月", "https://bbs.example.org/thread-88-1-1.html")
    assert (item.author, item.views, item.replies) == ("夜归人", 1204, 17)
    assert item.published_at == datetime(2026, 11, 18, 21, 40, tzinfo=SHANGHAI)
