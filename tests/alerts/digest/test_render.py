"""Digest rendering: escaping of web text in HTML and Markdown, links, no external resources."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from tests.alerts.digest.samples import ITEM_URLS, SCRIPT, sample_digest
from yuqing.alerts.digest.render import (
    data_uris,
    digest_event,
    digest_summary,
    escape_markdown,
    md_link,
    render_html,
    render_markdown,
    safe_url,
)

UNESCAPED_TAG = re.compile(r"(?<!\\)<(?!https?://)")
PNG = b"\x89PNG\r\n\x1a\nfake"
IMAGES = {name: f"cid:chart-{name}-2026-11-20@yuqing" for name in ("hourly", "daily", "site", "category")}


def test_script_title_is_escaped_in_html() -> None:
    html = render_html(sample_digest(), IMAGES)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;网传交通局局长酒驾" in html
    assert "<script" not in html.lower()
    assert "<b>clicks</b>" not in html and "&lt;b&gt;clicks&lt;/b&gt;" in html
    assert "<img src=x>" not in html and "<i>张三</i>" not in html and "<html>503" not in html
    page = BeautifulSoup(html, "html.parser")
    assert page.find("script") is None
    assert SCRIPT in page.get_text()  # shown to the reader as the literal text it was


def test_script_title_is_escaped_in_markdown() -> None:
    markdown = render_markdown(sample_digest())
    assert r"\<script\>alert\(1\)\</script\>网传交通局局长酒驾" in markdown
    assert not UNESCAPED_TAG.search(markdown)  # every "<" of web text is backslash-escaped
    assert r"\[点我\]\(javascript:alert\(1\)\) \*粗\* \| 竖线" in markdown
    assert "](javascript" not in markdown


def test_html_loads_nothing_from_outside_and_links_only_items() -> None:
    data = sample_digest()
    page = BeautifulSoup(render_html(data, IMAGES), "html.parser")
    assert not page.find_all(["script", "link", "iframe", "object", "embed", "form", "base", "style"])
    sources = [tag["src"] for tag in page.find_all(src=True)]
    assert sorted(sources) == sorted(IMAGES.values())
    hrefs = {tag["href"] for tag in page.find_all(href=True)}
    assert hrefs == {ITEM_URLS[0], ITEM_URLS[1], ITEM_URLS[2]}
    assert not any(re.search(r"url\(|@import", tag.get("style", "")) for tag in page.find_all(style=True))
    for tag in page.find_all(True):
        assert not [a for a in tag.attrs if a.lower().startswith("on")], tag.name


def test_each_item_links_to_its_original_url() -> None:
    data = sample_digest()
    page = BeautifulSoup(render_html(data, IMAGES), "html.parser")
    links = {a.get_text(): a["href"] for a in page.find_all("a")}
    assert links[SCRIPT] in (ITEM_URLS[0], ITEM_URLS[1])
    assert links["正常标题"] == ITEM_URLS[2]
    assert "数据链接" not in links and "[点我](javascript:alert(1)) *粗* | 竖线" not in links
    markdown = render_markdown(data)
    assert "(<https://bbs.example.cn/thread-1.html>)" in markdown
    assert "(<https://news.example.cn/a?id=2&from=rss>)" in markdown
    assert "(<https://weibo.example.cn/p/3%20(copy)%3Cx%3E>)" in markdown


def test_data_uris_are_embedded_for_the_file() -> None:
    html = render_html(sample_digest(), data_uris(dict.fromkeys(IMAGES, PNG)))
    page = BeautifulSoup(html, "html.parser")
    assert [img["src"][:22] for img in page.find_all("img")] == ["data:image/png;base64,"] * 4


def test_markdown_escaping_rules() -> None:
    assert escape_markdown("a_b *c* [d](e) `f` <g> | # ! ~ & \\") == (
        r"a\_b \*c\* \[d\]\(e\) \`f\` \<g\> \| \# \! \~ \& \\")
    assert escape_markdown("两行\n| 表格") == r"两行 \| 表格"
    assert md_link("标题", "javascript:alert(1)") == "标题"
    assert md_link("t", "https://x.cn/a>b") == "[t](<https://x.cn/a%3Eb>)"
    assert safe_url("data:text/html,x") is None and safe_url("//x.cn") is None
    assert safe_url(" https://x.cn/a ") == "https://x.cn/a"


def test_empty_day_renders_plain_sentences() -> None:
    data = sample_digest(empty=True)
    html, markdown = render_html(data, IMAGES), render_markdown(data)
    for text in ("当日没有已分级的活跃事件", "当日没有新增相关事件", "当日没有处置中的事件", "当日没有负面相关信息",
                 "全部 4 个来源运行正常"):
        assert text in html and text in markdown


def test_summary_and_event_for_bots() -> None:
    data = sample_digest()
    summary = digest_summary(data, "/srv/yuqing/var/digests/digest-2026-11-20.html")
    assert "**舆情日报 2026-11-20**" in summary
    assert "相关信息 34 条(持平),负面 16 条,负面占比 47.1%" in summary
    # bots honour no backslash escapes: markup characters become full-width (alerts.escaping)
    assert "＜script＞alert（1）＜/script＞" in summary and not UNESCAPED_TAG.search(summary)
    assert "\\" not in summary and "](<" not in summary
    assert "digest-2026-11-20.html" in summary and "监测盲区:1 个来源异常" in summary
    event = digest_event(data, uid="digest-2026-11-20", location="https://intranet.example.cn/d.html")
    assert event["event"] == "digest.ready" and event["id"] == "digest-2026-11-20"
    assert (event["url"], event["path"]) == ("https://intranet.example.cn/d.html", None)
    assert digest_event(data, uid="x", location="/srv/d.html")["path"] == "/srv/d.html"
    assert event["figures"] == {"posts": 52, "relevant": 34, "negative": 16, "new_stories": 3,
                                "tiers": {"general": 2, "significant": 1, "major": 1, "critical": 0}}
    assert event["stories"][0]["title"] == SCRIPT  # JSON carries the raw text; receivers escape
    assert event["generated_at"] == "2026-11-21T08:00:00+08:00"
