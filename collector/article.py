"""Collector stage, article extraction: decoded HTML page → Article (title, body, date, author).

Pure: the page is parsed as browsers parse it (`html_tree`), no network. Tuned for Chinese news, blog and forum pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from yuqing.collector.article_blocks import Block, clean_tree, split_blocks
from yuqing.collector.article_dates import (
    STAMP_RE,
    YMD_RE,
    block_date,
    find_author,
    has_time,
    meta_date,
    read_meta,
    url_date,
)
from yuqing.collector.article_start import find_start
from yuqing.collector.article_title import Headline, find_headline, page_titles, strip_site_name
from yuqing.collector.html_tree import parse_html

_SENTENCE_PUNCT_RE = re.compile(r"[，。！？；：、“”…,!?;]")
_PROSE_PUNCT_RE = re.compile(r"[，。]")
_BOUNDARY_RE = re.compile(
    r"评论|留言|相关(?:文章|新闻|链接|阅读|报道|专题|日志)|推荐|上一篇|下一篇|版权|copyright|"
    r"回复|网友|跟帖|免责|声明",
    re.IGNORECASE,
)
# Footer lines: the article has ended.
_FOOTER_RE = re.compile(
    r"ICP[备证]|版权所有|copyright|©|all rights reserved|备案号|不良信息举报|举报电话", re.IGNORECASE
)
_STAMP_MAX_CHARS = 80
_FOOTER_MAX_CHARS = 100
_BOUNDARY_MAX_CHARS = 25
_BOUNDARY_PENALTY = 50.0
_LINK_BLOCK_DENSITY = 0.5
_SHORT_BLOCK_CHARS = 10
_SHORT_BLOCK_PENALTY = 5.0
_WEAK_BLOCK_CHARS = 30
_PUNCT_BONUS = 2.0
_FIRST_SEGMENT_SHARE = 0.5
_ENOUGH_MASS = 400.0
_BYLINE_REACH = 8  # blocks after the headline that may hold its date and author
_PROSE_CHARS = 100  # a block this long is text, past the byline
_DATE_INTO_TEXT = 3  # blocks into the text searched for a date-time line ("after the first paragraph")
_DATE_AT_END = 2  # last blocks of the text that may be its "发布日期：…" line


@dataclass(frozen=True)
class Article:
    """What the extractor found on one page."""

    title: str | None
    body: str  # main text, paragraphs separated by "\n"
    published_at: datetime | None  # naive or aware as found; date-only = midnight
    author: str | None


def _weight(block: Block) -> float | None:
    """Content weight of a block; None marks a hard boundary between regions."""
    # A short line with a date and a time is a byline or a post/comment header: when it
    # follows text it starts something else (next post, replies), so regions stop there.
    if block.chars <= _STAMP_MAX_CHARS and STAMP_RE.search(block.text):
        return None
    if block.chars <= _FOOTER_MAX_CHARS and _FOOTER_RE.search(block.text):
        return None
    if block.chars <= _BOUNDARY_MAX_CHARS and _BOUNDARY_RE.search(block.text):
        return -_BOUNDARY_PENALTY
    density = block.link_density
    if density > _LINK_BLOCK_DENSITY:
        return -float(block.chars)
    punct = len(_SENTENCE_PUNCT_RE.findall(block.text))
    own = block.chars - block.link_chars
    if punct == 0 and own < _SHORT_BLOCK_CHARS:
        return -_SHORT_BLOCK_PENALTY
    return own * (1 - density) + _PUNCT_BONUS * punct


def _is_weak(block: Block) -> bool:
    """A short line that is no paragraph: a label, a link, a headline, a dateline."""
    if block.chars >= _WEAK_BLOCK_CHARS:
        return False
    text = block.text
    return block.link_chars > 0 or not _SENTENCE_PUNCT_RE.search(text) or bool(YMD_RE.search(text))


def _is_prose(block: Block) -> bool:
    """A paragraph of running text (a byline has no commas or full stops)."""
    return block.chars > _PROSE_CHARS or (
        block.chars >= _WEAK_BLOCK_CHARS and bool(_PROSE_PUNCT_RE.search(block.text))
    )


def _segments(weights: list[float | None]) -> list[tuple[float, int, int]]:
    """Best-scoring run (mass, first, last) inside each stretch between hard boundaries."""
    found: list[tuple[float, int, int]] = []
    best, first, last, current, start = 0.0, 0, -1, 0.0, 0
    for index, weight in enumerate([*weights, None]):
        if weight is None:
            if best > 0:
                found.append((best, first, last))
            best, current, start = 0.0, 0.0, index + 1
            continue
        if current <= 0:
            current, start = 0.0, index
        current += weight
        if current > best:
            best, first, last = current, start, index
    return found


def select_body(blocks: list[Block]) -> tuple[int, int] | None:
    """Choose the main-text block range (first, last), or None when there is no text."""
    segments = _segments([_weight(b) for b in blocks])
    if not segments:
        return None
    # On pages listing several posts the first one is the article: take the first
    # region that is either a fair share of the largest or long enough by itself.
    top = max(mass for mass, _, _ in segments)
    for mass, first, last in segments:
        if mass >= min(_FIRST_SEGMENT_SHARE * top, _ENOUGH_MASS):
            while first < last and _is_weak(blocks[first]):
                first += 1  # headline, byline, toolbar: the search for those looks above
            return first, last
    return None


def _find_date(
    root: etree._Element,
    meta: dict[str, str],
    url: str | None,
    blocks: list[Block],
    byline: range,
    span: range,
) -> datetime | None:
    """Publication date: timed <meta>; a date-time shown near the headline (its time of day beats
    date-only metadata); date-only <meta>; the byline area, the end of the text, the URL, above it."""
    declared = meta_date(meta, root)
    if declared is not None and has_time(declared):
        return declared
    header = range(min(byline.start, span.start), max(byline.stop, span.start + _DATE_INTO_TEXT))
    return (
        block_date(blocks, header, timed=True)
        or declared
        or block_date(blocks, byline)
        or block_date(blocks, [i for i in range(max(span.start, span.stop - _DATE_AT_END), span.stop)
                               if not _is_prose(blocks[i])])
        or block_date(blocks, range(span.stop, span.stop + 3))
        or url_date(url)
        or block_date(blocks, range(span.start))
    )


def _byline_area(blocks: list[Block], headline: Headline | None, first: int) -> range:
    """Blocks around the headline, down to the first paragraph of prose."""
    start = headline.first - 2 if headline else first - _BYLINE_REACH
    stop = headline.last + _BYLINE_REACH if headline else first + 3
    below = headline.last + 1 if headline else first  # a long headline is no paragraph of prose
    for index in range(max(start, first, below), min(stop, len(blocks))):
        if _is_prose(blocks[index]):
            return range(max(start, 0), index)
    return range(max(start, 0), stop)


def extract_article(html: str, url: str | None = None) -> Article:
    """Extract headline, main text, publication date and author from an article page."""
    root = parse_html(html)
    if root is None:
        return Article(title=None, body="", published_at=None, author=None)
    meta = read_meta(root)
    titles = page_titles(root, meta)
    clean_tree(root)
    blocks = split_blocks(root)
    first, last = select_body(blocks) or (len(blocks), len(blocks) - 1)
    headline = find_headline(blocks, titles, first)
    byline = _byline_area(blocks, headline, first)
    title = headline.text if headline is not None else (strip_site_name(titles[0]) if titles else "")
    if first <= last:
        first = find_start(blocks, first, last, floor=headline.last + 1 if headline else 0)
    span = range(first, last + 1)
    return Article(
        title=title or None,
        body="\n".join(blocks[i].text for i in span),
        published_at=_find_date(root, meta, url, blocks, byline, span),
        author=find_author(meta, blocks, byline),
    )
