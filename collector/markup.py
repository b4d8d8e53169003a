"""Collector stage, markup helpers shared by the parsers: HTML → soup, element → plain text.

Pure. Text keeps paragraph breaks as "\\n" and collapses other whitespace (&nbsp; included).
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from yuqing.collector.encoding import decode_html, normalize_codec

_BLOCKS = ("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table")
_SPACES = re.compile(r"[ \t\r\f\v\xa0\u3000]+")


def decode_page(body: bytes, content_type: str | None, encoding: str | None = None) -> str:
    """The text of a fetched page: the source's `encoding` when set, else detected."""
    if encoding:
        return body.decode(normalize_codec(encoding) or encoding, errors="replace")
    return decode_html(body, content_type)[0]


def parse_html(text: str) -> BeautifulSoup:
    """A soup of an HTML document (lxml's forgiving parser)."""
    return BeautifulSoup(text, "lxml")


def element_text(element: Tag | None) -> str:
    """The visible text of an element: scripts and styles dropped, paragraphs kept."""
    if element is None:
        return ""
    for hidden in element.find_all(["script", "style", "noscript"]):
        hidden.decompose()
    for block in element.find_all(_BLOCKS):
        block.insert_before("\n")
    return clean_text(element.get_text())


def html_text(fragment: str) -> str:
    """The plain text of an HTML fragment (a feed description, a title with markup)."""
    if "<" not in fragment and "&" not in fragment:
        return clean_text(fragment)
    return element_text(BeautifulSoup(fragment, "lxml"))


def clean_text(text: str) -> str:
    """Whitespace collapsed within lines, blank lines dropped, ends trimmed."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)
