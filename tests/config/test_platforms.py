"""`kind = "json"` settings: a malformed JMESPath selector is a configuration error at load time (exit 2,
the source and the expression named, a caret under the column), and the keys' cross-checks."""

from __future__ import annotations

import pytest

WEIBO = '''[[sources]]
name = "jc-weibo"
kind = "json"
url = "https://m.weibo.example/api/container/getIndex?page={page}"
link_template = "https://m.weibo.example/detail/{id}"
[sources.selectors]
items = "data.cards[?card_type==`9`].mblog"
id = "id"
'''


@pytest.mark.parametrize(("line", "expression", "column"), [
    ('text = "text | [0"', "text | [0", 10),
    ('reposts = "data.cards[].mblog."', "data.cards[].mblog.", 20),
    ('time = "a | | b"', "a | | b", 5),
    ('likes = "`abc"', "`abc", 1),
])
def test_a_malformed_selector_exits_2_with_a_caret_under_its_column(yuqing, write_config, line: str,
                                                                    expression: str, column: int) -> None:
    config = write_config(WEIBO + line + "\n")
    result = yuqing("--config", str(config), "sources")
    assert result.code == 2 and result.out == ""
    assert "Traceback" not in result.err
    assert "sources[0] ('jc-weibo').selectors." in result.err
    assert f"{expression!r} is not a valid JMESPath expression" in result.err
    assert f"(column {column})" in result.err
    lines = result.err.splitlines()
    shown = next(i for i, text in enumerate(lines) if text.strip() == expression)
    caret = lines[shown + 1]
    assert caret.strip() == "^"
    assert caret.index("^") - lines[shown].index(expression[0]) == column - 1


@pytest.mark.parametrize(("extra", "fragment"), [
    ('headers = { Cookie = "SUB=abc" }', "put it in headers_env"),
    ('max_pages = 0', "max_pages"),
], ids=["cookie in the file", "no pages"])
def test_secrets_stay_out_of_the_file_and_pages_are_bounded(yuqing, write_config, extra: str, fragment: str) -> None:
    config = write_config(WEIBO.replace('link_template', extra + "\nlink_template"))
    result = yuqing("--config", str(config), "sources")
    assert result.code == 2 and fragment in result.err


def test_a_cursor_url_needs_a_cursor_selector_and_html_needs_css(yuqing, write_config) -> None:
    config = write_config(WEIBO.replace("page={page}", "since_id={cursor}"))
    result = yuqing("--config", str(config), "sources")
    assert result.code == 2 and "add selectors.cursor" in result.err
    config = write_config(WEIBO.replace('kind = "json"', 'kind = "html"'))
    result = yuqing("--config", str(config), "sources")
    assert result.code == 2 and "CSS selectors" in result.err
