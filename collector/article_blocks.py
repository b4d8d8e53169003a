"""Collector stage, article extraction helper: lxml tree (from `html_tree`) → cleaned tree → text blocks.

A block is a run of text between block-level boundaries, with its link share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

# Elements whose content never belongs to the article text.
_DROP_TAGS = (
    "script", "style", "noscript", "iframe", "select", "option", "textarea", "button",
    "svg", "template", "object", "embed", "applet", "map", "nav", "aside", "footer", "title",
)  # fmt: skip
BLOCK_TAGS = frozenset({
    "p", "div", "td", "th", "tr", "table", "tbody", "thead", "tfoot", "li", "ul", "ol",
    "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "section",
    "article", "header", "footer", "nav", "aside", "form", "center", "br", "hr", "main",
    "figure", "figcaption", "address", "caption", "marquee", "body", "html", "fieldset",
    "legend",
})  # fmt: skip
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_HIDDEN_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_SPACE_RE = re.compile(r"\s+")


@dataclass(slots=True)
class Block:
    """A run of text between block boundaries."""

    text: str
    chars: int  # non-whitespace characters
    link_chars: int  # of which inside <a>
    element: etree._Element  # nearest enclosing block-level element
    heading: bool  # inside h1–h6

    @property
    def link_density(self) -> float:
        """Share of the block's characters that are link text."""
        return self.link_chars / self.chars if self.chars else 0.0


def clean_tree(root: etree._Element) -> None:
    """Remove scripts, styles, comments, hidden elements and page furniture in place."""
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    etree.strip_elements(root, *_DROP_TAGS, with_tail=False)
    for element in root.xpath("//*[@hidden or @style]"):
        hidden = element.get("hidden") is not None or _HIDDEN_RE.search(element.get("style", ""))
        if hidden and element.tag not in ("html", "body"):
            _drop(element)


def _drop(element: etree._Element) -> None:
    """Remove an element and its content, keeping the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _count(text: str) -> int:
    """Non-whitespace characters in a string."""
    return len("".join(text.split()))


class _BlockBuilder:
    """Accumulates inline text into blocks while walking the tree."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.link_chars = 0
        self.in_link = 0
        self.heading = 0
        self.containers: list[etree._Element] = []

    def add(self, text: str | None) -> None:
        if not text:
            return
        if text.isspace():
            if self.parts:  # keeps words apart across inline tags, costs nothing else
                self.parts.append(" ")
            return
        self.parts.append(text)
        if self.in_link:
            self.link_chars += _count(text)

    def flush(self) -> None:
        if not self.parts:
            return
        text = _SPACE_RE.sub(" ", "".join(self.parts)).strip()
        self.parts = []
        chars = len(text) - text.count(" ")
        if chars:
            self.blocks.append(
                Block(
                    text=text,
                    chars=chars,
                    link_chars=min(self.link_chars, chars),
                    element=self.containers[-1],
                    heading=self.heading > 0,
                )
            )
        self.link_chars = 0


def _is_link(element: etree._Element) -> bool:
    """An `<a>` that links somewhere; a bare `<a name>` left open spreads over the page (HTML5
    reopens it in every block that follows) without making its text link text."""
    return element.tag == "a" and element.get("href") is not None


def split_blocks(root: etree._Element) -> list[Block]:
    """Linearise the body into text blocks in document order."""
    body = root.find("body")
    builder = _BlockBuilder()
    builder.containers.append(body if body is not None else root)
    for event, element in etree.iterwalk(body if body is not None else root, ("start", "end")):
        tag = element.tag
        if not isinstance(tag, str):
            continue
        block = tag in BLOCK_TAGS
        if event == "start":
            if block:
                builder.flush()
                builder.containers.append(element)
                builder.heading += tag in HEADING_TAGS
            builder.in_link += _is_link(element)
            builder.add(element.text)
        else:
            builder.in_link -= _is_link(element)
            if block:
                builder.flush()
                builder.containers.pop()
                builder.heading -= tag in HEADING_TAGS
            builder.add(element.tail)
    builder.flush()
    return builder.blocks
