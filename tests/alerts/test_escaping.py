"""Web text is inert in bot markdown; only http(s) links we build survive."""

from __future__ import annotations

from yuqing.alerts.escaping import escape_markdown, one_line, safe_url


def test_markdown_link_injection_is_neutralised() -> None:
    out = escape_markdown("[点我](http://evil.example/x)")
    assert "[" not in out and "](" not in out and "http://" not in out
    assert out == "［点我］（http：//evil.example/x）"


def test_mentions_html_emphasis_headings_and_newlines_are_neutralised() -> None:
    out = escape_markdown("@all <script>alert(1)</script>\n# 标题 **粗** _斜_ `code` > 引用 <@user>")
    for raw in ("@", "<", ">", "*", "_", "`", "#", "\n"):
        assert raw not in out
    assert "＠all" in out and "＜script＞" in out


def test_safe_url_rejects_other_schemes_and_encodes_markup() -> None:
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("data:text/html,<b>") is None
    assert safe_url("ftp://x/y") is None
    assert safe_url("http://bbs.example.cn/t?a=(1)&b=[2]") == "http://bbs.example.cn/t?a=%281%29&b=%5B2%5D"
    assert safe_url('https://x.cn/a b"<c>') == "https://x.cn/a%20b%22%3Cc%3E"


def test_one_line_collapses_and_cuts() -> None:
    assert one_line("a\n\n b\tc", 10) == "a b c"
    assert one_line("一二三四五六", 4) == "一二三…"
