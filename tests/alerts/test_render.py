"""Every channel's markup carries the facts and none of the web's markup."""

from __future__ import annotations

import json
import re

from tests.alerts.factories import sample_payload
from yuqing.alerts.render import render_card, render_email, render_markdown


def test_markdown_carries_the_facts_and_escapes_injection() -> None:
    payload = sample_payload()
    title, text = render_markdown([payload], colour=True)
    for fact in ("重大", "突发事件类", "交通局", "bbs.example.cn", "12,430", "320", "812.5", "快报",
                 "赶赴现场调查", payload["id"], "2026-11-21 10:11"):
        assert fact in text
    links = re.findall(r"\[([^\]]*)\]\(([^)]*)\)", text)
    assert links == [("源头", "http://bbs.example.cn/thread-1.html?a=%281%29"),
                     ("转载1", "https://news.example.cn/a")]  # only ours; javascript: dropped
    assert "@all" not in text and "<script>" not in text and "<img" not in text
    assert "**紧急**" not in text and "\n# 标题" not in text
    assert "evil.example" in text  # shown as text, not as a link
    assert "\n" not in title


def test_dingtalk_markdown_has_no_wecom_font_tags() -> None:
    _, text = render_markdown([sample_payload()], colour=False)
    assert "<font" not in text


def test_email_html_is_escaped_and_text_is_plain() -> None:
    subject, html, text = render_email([sample_payload()])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="javascript:' not in html
    assert 'href="http://bbs.example.cn/thread-1.html?a=%281%29"' in html
    assert "<script>alert(1)</script>" in text  # plain text shows the title as it was written
    assert "\n" not in subject and subject.startswith("[yuqing] 舆情预警 · 重大")


def test_card_has_tier_colour_and_web_text_only_in_plain_text() -> None:
    card = render_card([sample_payload()])
    assert card["header"]["template"] == "orange"
    assert render_card([sample_payload(tier="critical")])["header"]["template"] == "red"
    assert render_card([sample_payload(tier="significant")])["header"]["template"] == "yellow"
    tags = {json.dumps(e, ensure_ascii=False) for e in card["elements"]}
    hostile = [t for t in tags if "evil.example" in t]
    assert hostile and all('"lark_md"' not in t for t in hostile)
    buttons = [a["url"] for e in card["elements"] if e["tag"] == "action" for a in e["actions"]]
    assert buttons == ["http://bbs.example.cn/thread-1.html?a=%281%29", "https://news.example.cn/a"]


def test_a_merged_burst_lists_every_id_in_every_markup() -> None:
    payloads = [sample_payload(f"k{i}") for i in range(5)]
    ids = [p["id"] for p in payloads]
    _, markdown = render_markdown(payloads)
    _, html, text = render_email(payloads)
    card = json.dumps(render_card(payloads), ensure_ascii=False)
    for rendered in (markdown, html, text, card):
        assert all(i in rendered for i in ids)
    assert "合并 5 条" in markdown
