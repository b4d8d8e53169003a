"""Collector stage, article extraction helper: text blocks + chosen range → where the main text starts.

The text starts where its container starts (a photo caption, a dateline or a byline inside the
article's own element belongs to it), but not with the page furniture that sits there on many
sites: source and share lines, font-size switches, date lines.
"""

from __future__ import annotations

import re

from lxml import etree

from yuqing.collector.article_blocks import Block
from yuqing.collector.article_dates import YMD_RE, parse_date

_FURNITURE_RE = re.compile(
    r"^(?:来源(?:于)?\s*[:：]|分享(?:到|至)|字号|字体|【?打印|【?收藏|【?关闭|链接已复制|用微信扫|扫一扫|转播到"
    r"|\d*\s*(?:跟贴|跟帖|条?评论)\s*$"
    r"|责任编辑|编辑\s*[:：]|(?:阅读|浏览|点击)(?:量|数|次数)?\s*[:：]|发布(?:时间|日期)\s*[:：]|时间\s*[:：]"
    r"|[xX×]$|\d+$)"
)
_PROSE_PUNCT_RE = re.compile(r"[，。！？]")
_FURNITURE_MAX_CHARS = 60
_DATE_LINE_MAX_CHARS = 40
_CONTAINER_PROSE = 3  # prose blocks whose common ancestor is the text's container
_PROSE_MIN_CHARS = 30
_MAX_LEAD_BLOCKS = 3  # caption, dateline, byline: what a container shows before its prose
_MAX_LEAD_CHARS = 80
_NOT_CONTAINERS = frozenset({"body", "html"})


def is_furniture(block: Block) -> bool:
    """A short line of page furniture: source, share, font size, print, counts, a bare date line."""
    if block.chars > _FURNITURE_MAX_CHARS:
        return False
    text = block.text.strip()
    if _FURNITURE_RE.match(text):
        return True
    if block.chars > _DATE_LINE_MAX_CHARS or _PROSE_PUNCT_RE.search(text):
        return False
    return bool(YMD_RE.search(text)) or parse_date(text) is not None


def find_start(blocks: list[Block], first: int, last: int, floor: int) -> int:
    """The first block of the main text chosen as blocks[first..last]; never above `floor`."""
    container = _container(blocks, first, last)
    if container is not None:
        lead = first
        while (lead - 1 >= floor and first - (lead - 1) <= _MAX_LEAD_BLOCKS
               and blocks[lead - 1].chars <= _MAX_LEAD_CHARS and not blocks[lead - 1].heading
               and _shown_by(blocks[lead - 1].element, container)):
            lead -= 1
        first = lead
    first = max(first, floor)
    while first < last and is_furniture(blocks[first]):
        first += 1
    return first


def _container(blocks: list[Block], first: int, last: int) -> etree._Element | None:
    """The element holding the first prose blocks of the text, or None when it is the whole page."""
    prose = [b.element for b in blocks[first : last + 1] if b.chars >= _PROSE_MIN_CHARS][:_CONTAINER_PROSE]
    if not prose:
        return None
    if len(prose) == 1:
        common = prose[0].getparent()
    else:
        ancestors = [set(_lineage(element)) for element in prose]
        common = next((e for e in _lineage(prose[0]) if all(e in chain for chain in ancestors[1:])), None)
    if common is None or common.tag in _NOT_CONTAINERS:
        return None
    return common


def _lineage(element: etree._Element) -> list[etree._Element]:
    """The element and its ancestors, nearest first."""
    return [element, *element.iterancestors()]


def _shown_by(element: etree._Element, container: etree._Element) -> bool:
    """True for the container's own text and its children's (a caption's `<p>`), not for nested widgets."""
    return element is container or element.getparent() is container
