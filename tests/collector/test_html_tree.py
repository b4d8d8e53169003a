"""collector.html_tree and markup: pages are built as browsers build them, for every reader."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.collector.conftest import NOW, SHANGHAI
from yuqing.collector.article import extract_article
from yuqing.collector.forums.discuz import parse_thread_page
from yuqing.collector.html_tree import parse_html
from yuqing.collector.listing import parse_listing
from yuqing.collector.markup import base_url, element_text, html_text, parse_page, select
from yuqing.config.errors import ParseError
from yuqing.config.sources import Selectors

PROSE = "市交通运输局今天通报，滨江大桥伸缩缝维修工程将于下周一开工，施工期间大桥实行单向通行，请市民合理安排出行。" * 3

# A government page whose included header closes the document early (seen on a real site).
STRAY_END = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>滨江大桥维修期间交通管制的通告_某市人民政府</title></head>
<body><div class="header"><a href="/">首页</a></div></body></html>
<div class="article"><h1>滨江大桥维修期间交通管制的通告</h1>
<div class="info">发布时间：2026-11-18 09:30</div>
<div class="content"><p>{PROSE}</p><p>{PROSE}</p></div></div>
</body></html>"""


def test_a_stray_early_end_tag_keeps_title_and_body() -> None:
    article = extract_article(STRAY_END, "http://gov.example.cn/art/1.html")
    assert article.title == "滨江大桥维修期间交通管制的通告"
    assert article.body.startswith("市交通运输局今天通报") and len(article.body) > 200
    assert article.published_at == datetime(2026, 11, 18, 9, 30)


def test_the_tree_has_head_and_body_and_drops_comments() -> None:
    root = parse_html("<title>T</title><!-- c --><p>a<b>b</b>c")
    assert root is not None and [child.tag for child in root] == ["head", "body"]
    assert element_text(root.find("body")) == "abc"


def test_unclosed_and_misnested_tags_end_where_browsers_end_them() -> None:
    root = parse_page("<table><tr><td>cell</td></tr>text outside<tr><td>2</td></tr></table><p>one<p>two")
    body = root.find("body")
    assert body is not None and [p.text for p in body.iter("p")] == ["one", "two"]
    assert body.text == "text outside" and body[0].tag == "table"  # foster-parented before the table


def test_control_characters_and_framework_attributes_do_not_break_the_tree() -> None:
    root = parse_page('<div v-on:click="go" @x="1" :class="c" id="a">x\x0by\x00z</div><o:p>word</o:p>')
    div = select(root, "#a")[0]
    assert div.get("id") == "a" and element_text(div) == "x y z"
    assert "word" in element_text(root)


def test_html_text_of_a_fragment() -> None:
    assert html_text("<p>第一段<script>x()</script></p><p>第二段&nbsp;完</p>") == "第一段\n第二段 完"


def test_css_matches_below_the_element_only() -> None:
    root = parse_page('<ul><li class="x"><li class="x"><a class="x">in</a></ul>')
    first = select(root, "li.x")[0]
    assert select(first, ".x") == []


def test_invalid_css_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="is not a CSS selector"):
        select(parse_page("<p>x</p>"), "div[")


def test_base_href_is_the_base_of_relative_links() -> None:
    root = parse_page('<head><base href="/board/"></head><body><a href="t-1.html">t</a></body>')
    assert base_url(root, "http://bbs.example.cn/forum.php?fid=2") == "http://bbs.example.cn/board/"
    assert base_url(parse_page("<p>x</p>"), "http://a.cn/x") == "http://a.cn/x"


def test_list_links_resolve_against_base_href() -> None:
    html = ('<html><head><base href="https://static.example.org/news/"></head><body>'
            '<ul><li><a href="2026/11/a.html">滨江大桥通告</a></li></ul></body></html>')
    parsed = parse_listing(html, Selectors(item="li", title="a", link="a@href"), url="http://example.cn/list",
                           site="s", now=NOW, tz=SHANGHAI)
    assert parsed.items[0].url == "https://static.example.org/news/2026/11/a.html"


def test_discuz_thread_with_a_stray_end_tag_is_read() -> None:
    html = ('<html><head><title>t</title></head><body><div id="hd">board</div></body></html>'
            '<div id="postlist"><h1 class="ts"><span id="thread_subject">大桥何时修好</span></h1>'
            '<span class="xg1">查看:</span> <span class="xi1">12</span> <span class="xg1">回复:</span> 3'
            '<div id="post_9"><em id="authorposton9">发表于 2026-11-20 08:05</em>'
            '<div class="t_f" id="postmessage_9">伸缩缝一直没修。</div></div></div>')
    post = parse_thread_page(html, url="u", site="s", now=NOW, tz=SHANGHAI)
    assert (post.title, post.body, post.views, post.replies) == ("大桥何时修好", "伸缩缝一直没修。", 12, 3)
    assert post.published_at == datetime(2026, 11, 20, 8, 5, tzinfo=SHANGHAI)
