"""The settings of a `kind = "json"` source (docs/spec.md §13): JMESPath selectors, headers, pages.

Pure: TOML values in, validated models out. Every expression is compiled when the file is
loaded, so a malformed selector is a configuration error (exit 2) with a caret under its column.
"""

from __future__ import annotations

import unicodedata

import jmespath
from jmespath.exceptions import JMESPathError
from pydantic import field_validator

from yuqing.config.section import Section

_PLACEHOLDERS = ("{page}", "{cursor}")
SELECTOR_TAGS = ("css", "jmespath")  # tags of the selectors union in config.settings


def selectors_kind(value: object) -> str:
    """Which selectors table this is: JMESPath ones have `items`, CSS ones `item`."""
    keys = value if isinstance(value, dict) else getattr(value, "__dict__", {})
    return "jmespath" if "items" in keys else "css"


class SelectorError(ValueError):
    """A JMESPath expression that does not compile; the message shows it with a caret."""

    def __init__(self, field: str, expression: str, position: int, reason: str) -> None:
        self.field, self.expression, self.position = field, expression, position
        caret = " " * _display_width(expression[:position]) + "^"
        super().__init__(f"selector {field} = {expression!r} is not a valid JMESPath expression: {reason} "
                         f"(column {position + 1})\n      {expression}\n      {caret}")


def _display_width(text: str) -> int:
    """Terminal columns of text: CJK and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def compile_selector(field: str, expression: str) -> str:
    """Return `expression` if it compiles as JMESPath; SelectorError (with the column) otherwise."""
    try:
        jmespath.compile(expression)
    except JMESPathError as exc:
        position = getattr(exc, "lex_position", None)
        if not isinstance(position, int):
            position = len(expression)
        reason = getattr(exc, "msg", None) or str(exc).splitlines()[0]
        if reason == "Invalid jmespath expression":
            reason = "the expression ends too early"
        raise SelectorError(field, expression, min(max(position, 0), len(expression)), reason) from None
    return expression


class JsonSelectors(Section):
    """JMESPath expressions of a `kind = "json"` source: the item list, then fields inside one item.

    `cursor` is read from the whole answer (the next page's cursor); every other field from an item.
    """

    items: str
    id: str | None = None
    title: str | None = None
    text: str | None = None
    link: str | None = None
    author: str | None = None
    time: str | None = None
    views: str | None = None
    replies: str | None = None
    reposts: str | None = None
    likes: str | None = None
    cursor: str | None = None

    @field_validator("*")
    @classmethod
    def _compiles(cls, value: str | None, info: object) -> str | None:
        name = getattr(info, "field_name", "?")
        return None if value is None else compile_selector(str(name), value)


def check_json_source(url: str, kind: str, selectors: object, link_template: str | None,
                      headers: dict[str, str], headers_env: dict[str, str]) -> None:
    """Cross-key checks of a json source; ValueError names the key and the fix."""
    placeholders = [p for p in _PLACEHOLDERS if p in url]
    if kind != "json":
        if placeholders or link_template or headers or headers_env:
            raise ValueError('url placeholders, link_template, headers and headers_env need kind = "json"')
        return
    if not isinstance(selectors, JsonSelectors):
        raise ValueError('a source of kind "json" needs a [sources.selectors] table with at least `items` '
                         "(a JMESPath expression)")
    if len(placeholders) > 1:
        raise ValueError("url may hold {page} or {cursor}, not both")
    if "{cursor}" in url and selectors.cursor is None:
        raise ValueError("url holds {cursor}: add selectors.cursor, the expression of the next cursor")
    if not (selectors.link or selectors.id):
        raise ValueError("a json source needs selectors.link or selectors.id (with link_template for links)")
    if link_template is not None and "{id}" not in link_template:
        raise ValueError("link_template must hold {id}, e.g. \"https://m.weibo.cn/detail/{id}\"")
    for name in [*headers, *headers_env]:
        if not name.isascii() or not name.replace("-", "").isalnum():
            raise ValueError(f"header name {name!r} is not a valid HTTP header name")
    for name, value in headers.items():
        if name.lower() in ("cookie", "authorization") or "token" in name.lower():
            raise ValueError(f"header {name!r} carries a secret: put it in headers_env "
                             f"({name} = \"ENV_VARIABLE\"), never in the file")
        if not value.isascii() or any(c in value for c in "\r\n"):
            raise ValueError(f"header {name!r}: use ASCII characters on one line")
