"""Collector stage, markup helpers shared by the readers: bytes → text, HTML → tree, CSS → elements → plain text.

Pure. Every reader parses through `html_tree` (the browser's tree); CSS selectors are compiled once
(cssselect) and match below the element they are applied to, never the element itself. Text keeps
paragraph breaks as "\\n" and collapses other whitespace (&nbsp; included).
"""

from __future__ import annotations

import re
from functools import lru_cache

from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector

from yuqing.collector.encoding import decode_html, normalize_codec
from yuqing.collector.html_tree import parse_html
from yuqing.collector.normalize import absolute_url
from yuqing.config.errors import ParseError

_BLOCKS = frozenset(("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table"))
_HIDDEN = frozenset(("script", "style", "noscript", "template"))
_SPACES = re.compile(r"[ \t\r\f\v\xa0\u3000]+")


def decode_page(body: bytes, content_type: str | None, encoding: str | None = None) -> str:
    """The text of a fetched page: the source's `encoding` when set, else detected."""
    if encoding:
        return body.decode(normalize_codec(encoding) or encoding, errors="replace")
    return decode_html(body, content_type)[0]


def parse_page(text: str) -> etree._Element:
    """The `<html>` element of a page as a browser builds it (empty `<html>` for an empty page)."""
    root = parse_html(text)
    return root if root is not None else etree.Element("html")


@lru_cache(maxsize=512)
def _compiled(css: str) -> CSSSelector:
    try:
        return CSSSelector(css, translator="html")
    except SelectorError as exc:
        raise ParseError(f"{css!r} is not a CSS selector we can use: {exc}") from exc


def select(element: etree._Element, css: str) -> list[etree._Element]:
    """The elements below `element` that match `css`, in document order; ParseError for bad CSS."""
    return [found for found in _compiled(css)(element) if found is not element]


def select_one(element: etree._Element, css: str) -> etree._Element | None:
    """The first element below `element` that matches `css`, or None."""
    return next(iter(select(element, css)), None)


def base_url(root: etree._Element, url: str) -> str:
    """The address relative links resolve against: the first `<base href>`, else the page's own."""
    for base in root.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            return absolute_url(href, url)
    return url


def element_text(element: etree._Element | None) -> str:
    """The visible text of an element: scripts and styles left out, paragraphs kept."""
    if element is None:
        return ""
    parts: list[str] = []
    walk = etree.iterwalk(element, events=("start", "end"))
    for event, node in walk:
        tag = node.tag if isinstance(node.tag, str) else ""
        if event == "start":
            if tag in _HIDDEN or not tag:
                walk.skip_subtree()
                continue
            if tag in _BLOCKS:
                parts.append("\n")
            parts.append(node.text or "")
        elif node is not element:
            parts.append(node.tail or "")
    return clean_text("".join(parts))


def html_text(fragment: str) -> str:
    """The plain text of an HTML fragment (a feed description, a title with markup)."""
    if "<" not in fragment and "&" not in fragment:
        return clean_text(fragment)
    root = parse_html(fragment)
    return element_text(root.find("body")) if root is not None else ""


def clean_text(text: str) -> str:
    """Whitespace collapsed within lines, blank lines dropped, ends trimmed."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)
