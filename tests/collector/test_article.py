"""collector.article: main text, headline, date and author from saved Chinese pages.

Fixtures are hand-written pages stored with their real bytes under
tests/fixtures/articles/, each with an .expected.json beside it; run with
YUQING_REGEN_FIXTURES=1 to rewrite the expected files after a deliberate change.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from yuqing.collector.article import Article, extract_article
from yuqing.collector.encoding import decode_html

ARTICLES = Path(__file__).resolve().parent.parent / "fixtures" / "articles"
REGEN_ENV = "YUQING_REGEN_FIXTURES"


def load(name: str) -> Article:
    """Decode a saved page the way the fetcher will, then extract it."""
    text, _ = decode_html((ARTICLES / name).read_bytes())
    return extract_article(text)


def as_json(article: Article) -> dict[str, str | None]:
    """The fields of an Article in the .expected.json form."""
    return {
        "title": article.title,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "author": article.author,
        "body": article.body,
    }


@pytest.mark.parametrize("name", sorted(p.name for p in ARTICLES.glob("*.html")))
def test_fixture_matches_expected_json(name: str) -> None:
    got = as_json(load(name))
    expected_path = ARTICLES / name.replace(".html", ".expected.json")
    if os.environ.get(REGEN_ENV):
        expected_path.write_text(json.dumps(got, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert got == json.loads(expected_path.read_text(encoding="utf-8"))


def test_utf8_news_page_keeps_the_story_and_drops_the_furniture() -> None:
    article = load("news_utf8.html")
    assert article.title == "江城暴雨致地铁停运 市民冒雨出行"
    assert article.published_at == datetime(2023, 5, 6, 14, 30)
    assert article.author == "张晓明"
    assert article.body.startswith("本报讯 昨日下午，江城遭遇今年入汛以来最强降雨")
    assert "请市民关注预警信息" in article.body
    assert len(article.body.splitlines()) >= 4  # one line per paragraph
    for furniture in (
        "首页",
        "社会频道",
        "相关新闻",
        "地铁公司：雨天出行",
        "网友评论",
        "希望排水系统",
        "版权所有",
        "ICP",
    ):
        assert furniture not in article.body


def test_gb2312_page_with_gbk_only_characters() -> None:
    article = load("news_gb2312.html")
    assert article.title == "朱镕基同志考察农村信用社改革"  # 镕 is GBK, not GB2312
    assert article.published_at == datetime(2005, 6, 7, 8, 15)
    assert article.body.startswith("新华社北京6月6日电 朱镕基同志近日在河北省考察")
    assert article.body.count("\n") == 3  # <br><br> paragraphs in a table cell
    for furniture in (
        "新华网首页",
        "相关链接",
        "农村信用社改革试点扩大",
        "图片新闻",
        "Copyright",
        "版权所有",
    ):
        assert furniture not in article.body


def test_big5_page_in_traditional_characters() -> None:
    article = load("news_big5.html")
    assert article.title == "港鐵新線下月通車 沿線居民歡迎"
    assert article.published_at == datetime(2005, 6, 7, 10, 20)
    assert "以後返工快好多㗎" in article.body  # 㗎 needs Big5-HKSCS
    assert "首頁" not in article.body
    assert "版權所有" not in article.body


def test_forum_thread_without_charset_keeps_the_first_post_only() -> None:
    article = load("forum_gbk_nocharset.html")
    assert article.title == "小区停车位乱收费谁来管？"
    assert article.published_at == datetime(2018, 8, 20, 18, 7)
    assert article.author == "老王在社区"
    assert "从每月一百五十元涨到三百元" in article.body
    assert "给业主一个说法" in article.body
    for other in ("价格举报电话", "支持楼主维权", "发新帖", "论坛首页", "Discuz"):
        assert other not in article.body


def test_link_farm_blocks_are_dropped() -> None:
    article = load("linkfarm_utf8.html")
    assert article.title == "社区志愿者帮助独居老人度过高温天"
    assert article.published_at == datetime(2021, 7, 15)
    assert article.body.splitlines() == [
        "连日来持续高温，阳光社区组织二十多名志愿者，每天上门为辖区内的独居老人送去绿豆汤和防暑药品。",
        "志愿者们还帮助老人检查空调和电扇，提醒他们多喝水、少出门，遇到身体不适及时拨打社区电话。",
    ]


def page(head: str, body: str) -> str:
    """A minimal page around some head and body markup."""
    return f"<html><head>{head}</head><body>{body}</body></html>"


PARAGRAPHS = "".join(
    f"<p>这是正文第{i}段，讲述了事情的经过，内容足够长，可以被认作文章的主体部分，而不是导航或者页脚。</p>"
    for i in range(1, 5)
)


@pytest.mark.parametrize(
    ("dateline", "expected"),
    [
        ("2005-06-07", datetime(2005, 6, 7)),
        ("2005/6/7 9:05", datetime(2005, 6, 7, 9, 5)),
        ("2005年6月7日 08:15:30", datetime(2005, 6, 7, 8, 15, 30)),
        ("发布日期：9/17/2004 5:54:13 AM", datetime(2004, 9, 17, 5, 54, 13)),
    ],
)
def test_date_formats_in_the_byline(dateline: str, expected: datetime) -> None:
    html = page("<title>标题在此_频道_站名</title>", f"<h1>标题在此</h1><div>{dateline}</div>{PARAGRAPHS}")
    article = extract_article(html)
    assert article.title == "标题在此"
    assert article.published_at == expected


def test_meta_date_wins_and_keeps_its_offset() -> None:
    head = '<meta property="article:published_time" content="2022-02-13T07:00:00+08:00">'
    article = extract_article(page(head, f"<h1>标题</h1><div>2001-01-01</div>{PARAGRAPHS}"))
    assert article.published_at == datetime(2022, 2, 13, 7, 0, tzinfo=timezone(timedelta(hours=8)))


@pytest.mark.parametrize(
    "body",
    [
        f"<h1>标题在此</h1><p class='info'>来源：某某日报</p><div>2023-05-06 14:32</div>{PARAGRAPHS}",
        f"<h1>标题在此</h1><div class='tools'>分享到：微信 微博</div>{PARAGRAPHS[:60]}<p>2023年5月6日 14:32</p>"
        f"{PARAGRAPHS[60:]}",
        f"<div class='head'><span>时间：2023-05-06 14:32:00</span><h1>标题在此</h1></div>{PARAGRAPHS}",
    ],
    ids=["own-line-under-the-title", "after-the-first-paragraph", "above-the-title"],
)
def test_a_visible_date_time_beats_date_only_metadata(body: str) -> None:
    head = '<title>标题在此_站名</title><meta name="publishdate" content="2023-05-06">'
    article = extract_article(page(head, body), "http://news.example.cn/2023/05/06/1.html")
    assert article.published_at is not None and article.published_at.replace(second=0) == datetime(2023, 5, 6, 14, 32)


def test_a_timed_meta_beats_a_date_only_one() -> None:
    head = ('<meta name="publishdate" content="2020-01-02">'
            '<meta property="og:release_date" content="2020-01-02 17:11">')
    assert extract_article(page(head, f"<h1>标题</h1>{PARAGRAPHS}")).published_at == datetime(2020, 1, 2, 17, 11)


def test_a_date_line_closing_the_text_is_found() -> None:
    body = f"<h1>标题</h1>{PARAGRAPHS}<div>发布日期：2019-03-06 责任编辑：某某</div>"
    assert extract_article(page("", body)).published_at == datetime(2019, 3, 6)


def test_dates_in_the_text_and_copyright_years_are_not_the_publication_date() -> None:
    body = (
        "<h1>一篇没有日期的文章</h1>"
        + PARAGRAPHS
        + "<p>文中提到，这项工程早在2003年5月1日就已经开工建设，至今已经运行多年，效果良好，群众满意。</p>"
        + "<div>Copyright © 2005-2023 某某网 版权所有</div>"
    )
    assert extract_article(page("", body)).published_at is None


def test_url_date_is_a_fallback() -> None:
    html = page("", f"<h1>标题</h1>{PARAGRAPHS}")
    assert extract_article(html, "http://news.example.cn/2005/07/31/255509.html").published_at == datetime(
        2005, 7, 31
    )
    assert extract_article(html).published_at is None


def test_headline_without_title_tag_is_the_heading_above_the_text() -> None:
    article = extract_article(
        page("", f"<div><a href='/'>首页</a></div><h2>没有标题标签的页面</h2>{PARAGRAPHS}")
    )
    assert article.title == "没有标题标签的页面"
    assert article.body.startswith("这是正文第1段")


def test_title_tag_suffix_is_dropped_when_no_headline_is_shown() -> None:
    article = extract_article(page("<title>只在标题栏里的标题 - 某某新闻网</title>", PARAGRAPHS))
    assert article.title == "只在标题栏里的标题"


@pytest.mark.parametrize("html", ["", "   ", "<html></html>", "<?xml version='1.0' encoding='gbk'?>"])
def test_empty_pages_give_an_empty_article(html: str) -> None:
    assert extract_article(html) == Article(title=None, body="", published_at=None, author=None)


def test_xml_prolog_in_text_input_is_accepted() -> None:
    html = "<?xml version='1.0' encoding='utf-8'?>" + page("<title>带XML声明的页面</title>", PARAGRAPHS)
    article = extract_article(html)
    assert article.title == "带XML声明的页面"
    assert "这是正文第4段" in article.body


def test_scripts_styles_and_hidden_blocks_never_reach_the_text() -> None:
    body = (
        "<script>var x = '脚本里的文字不应出现';</script><style>p{color:red}</style>"
        "<div style='display:none'>隐藏的文字也不应出现，即使它看起来像正文一样长，有逗号，有句号。</div>"
        + PARAGRAPHS
    )
    text = extract_article(page("", body)).body
    assert "脚本" not in text
    assert "隐藏" not in text
    assert "这是正文第1段" in text
