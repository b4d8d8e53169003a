"""Collector stage, article extraction helper: text blocks + declared titles → headline.

The headline is the block near the main text that best matches <title> (whose site and
channel suffixes vary), else the block just above the text that looks most like one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from lxml import etree

from yuqing.collector.article_blocks import Block
from yuqing.collector.article_dates import YMD_RE

_TITLE_META = ("og:title", "twitter:title", "title", "headline")
# Separators between headline and site/channel names in <title>.
_TITLE_SPLIT_RE = re.compile(
    r"\s*[-–—－]+\s+|\s+[-–—－]+\s*|\s*[_|｜]\s*|\s*-{2,}\s*|\s*::\s*"
    r"|(?<=[\u4e00-\u9fff)）\]】」！？])-(?=\S)"
)
# Decoration around headlines: "- -" blog suffixes, "主题：" forum prefixes, separators.
_TITLE_TRIM_RE = re.compile(r"^(?:[\s\-–—|_>»·:：]+|(?:主题|标题)\s*[:：])+|[\s\-–—|_<«·]+$")
_JUNK_RE = re.compile(r"[\ue000-\uf8ff\x00-\x1f\x7f]")  # icon glyphs, control characters
_BREADCRUMB_RE = re.compile(r"当前位置|您的位置|所在位置|位置\s*[：:]|>>|->|→|»|›|首页\s*>")
_DATE_ONLY_RE = re.compile(r"[\d\s年月日/.:-]+$")
_TITLE_CLASS_RE = re.compile(r"title|headline|subject|heading|\btit|\bbt", re.IGNORECASE)
_NOT_HEADLINE_END = frozenset("。，,；;：:、")
_MIN_TITLE_SCORE = 0.3
_MIN_TITLE_SCORE_INSIDE = 0.6  # stricter for blocks inside the chosen text
_MIN_LOOK_SCORE = 0.5
_TITLE_ABOVE = 30  # distance beyond which a <title> match costs no more
_TITLE_DISTANCE_COST = 0.005
_TITLE_INSIDE = 10  # blocks into the text searched for it (metadata tables come first)
_MAX_CHARS_BEFORE_HEADLINE = 200
_MINOR_PART_REACH = 8
_LOOK_ABOVE = 6  # blocks above the text searched for a headline-looking block


@dataclass(frozen=True)
class Headline:
    """Blocks first..last (usually one) hold the headline text."""

    first: int
    last: int
    text: str


@dataclass(frozen=True)
class _Declared:
    """A title the page declares, squashed, with its separator-split parts."""

    full: str
    main: frozenset[str]  # the first and the longest part: where headlines are
    minor: frozenset[str]  # other parts, often the site's or channel's name


def squash(text: str) -> str:
    """Normalise text for comparison: NFKC, no whitespace, case-folded."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def page_titles(root: etree._Element, meta: dict[str, str]) -> list[str]:
    """Titles the page declares about itself: <title>, og:title and kin."""
    titles = ["".join(t.itertext()).strip() for t in root.iter("title")]
    titles += [meta[key] for key in _TITLE_META if key in meta]
    return [t for t in titles if t]


def clean_title(text: str) -> str:
    """Trim decoration and collapse whitespace in a headline."""
    return _TITLE_TRIM_RE.sub("", " ".join(_JUNK_RE.sub("", text).split()))


def strip_site_name(title: str) -> str:
    """Drop " - site" / "_channel_site" parts of a <title>, keeping the headline."""
    parts = [p for p in _TITLE_SPLIT_RE.split(title) if p and p.strip()]
    if not parts:
        return clean_title(title)
    return clean_title(parts[0] if len(parts[0]) >= 4 else max(parts, key=len))


def _declare(titles: list[str]) -> list[_Declared]:
    """Squash declared titles and their parts for matching.

    A title found inside another one, past its first part, is the site's name
    (og:title = "某市人民政府" beside <title> = "headline_某市人民政府网"): dropped.
    """
    declared: dict[str, _Declared] = {}
    for title in titles:
        full = squash(title)
        if full and full not in declared:
            parts = [squash(p) for p in _TITLE_SPLIT_RE.split(title) if p and p.strip()]
            main = {parts[0], max(parts, key=len)} if len(parts) > 1 else set()
            declared[full] = _Declared(full, frozenset(main), frozenset(parts) - main - {full})
    return [
        d
        for d in declared.values()
        if not any(d.full in o.full and not o.full.startswith(d.full) for o in declared.values())
    ]


def _title_score(block: Block, declared: list[_Declared], distance: int) -> float:
    """How well one block `distance` blocks from the text matches the declared titles."""
    text = squash(block.text)
    if not 2 <= len(text) <= 120 or _BREADCRUMB_RE.search(block.text):
        return 0.0
    best, whole = 0.0, False
    for title in declared:
        if text == title.full or text in title.main:
            score, whole = (1.0 if text == title.full else 0.8), True
        elif text in title.minor:
            if distance > _MINOR_PART_REACH:
                continue  # the site's name in the page header, far from the text
            score, whole = 0.8, True
        elif text in title.full:
            score = len(text) / len(title.full)
        elif title.full in text and len(title.full) >= 4:
            score = 0.9 * len(title.full) / len(text)
        else:
            continue
        best = max(best, score)
    if best and block.heading:
        best += 0.3 if whole else 0.1
    if best and block.link_chars >= block.chars:
        best -= 0.15  # a link to this page (breadcrumb, related list) rather than the headline
    return best


def _looks_like_headline(block: Block) -> float:
    """Score a block's look as a headline from its form alone (0 = cannot be one)."""
    text = block.text
    if not 4 <= block.chars <= 80 or text[-1] in _NOT_HEADLINE_END:
        return 0.0
    if _BREADCRUMB_RE.search(text) or YMD_RE.search(text) or _DATE_ONLY_RE.match(text):
        return 0.0
    element = block.element
    score = 1.0 + 2.0 * block.heading
    if _TITLE_CLASS_RE.search(f"{element.get('class', '')} {element.get('id', '')}"):
        score += 1.5
    if element.tag in ("b", "strong", "big") or any(
        element.find(f".//{tag}") is not None for tag in ("b", "strong", "font")
    ):
        score += 1.0
    if block.link_density > 0.5:
        score -= 1.0
    return score


def _joined(blocks: list[Block], index: int, declared: list[_Declared]) -> Block:
    """The block, joined with the following ones while together they stay inside a declared title
    (a headline broken over lines with `<br>`)."""
    block, joined = blocks[index], squash(blocks[index].text)
    last = index
    while last + 1 < len(blocks) and (nxt := squash(blocks[last + 1].text)) \
            and any(joined + nxt in t.full for t in declared):
        last, joined = last + 1, joined + nxt
    if last == index:
        return block
    parts = blocks[index : last + 1]
    return Block(text="".join(b.text for b in parts), chars=sum(b.chars for b in parts),
                 link_chars=sum(b.link_chars for b in parts), element=block.element, heading=block.heading)


def _extend(blocks: list[Block], index: int, declared: list[_Declared]) -> Headline:
    """Join following blocks that continue a headline split over lines."""
    last, joined = index, squash(blocks[index].text)
    while last + 1 < len(blocks):
        nxt = squash(blocks[last + 1].text)
        if not nxt or not any(joined + nxt in t.full for t in declared):
            break
        last, joined = last + 1, joined + nxt
    text = clean_title(" ".join(b.text for b in blocks[index : last + 1]))
    if any(squash(text) == t.full and t.minor for t in declared):
        text = strip_site_name(text)  # the block repeats the whole <title>, site name and all
    return Headline(index, last, text)


def find_headline(blocks: list[Block], titles: list[str], start: int) -> Headline | None:
    """Headline for a main text starting at block `start`, if one can be found."""
    declared = _declare(titles)
    best, best_score = None, 0.0
    inside = 0  # characters of text passed below `start`: a headline comes before prose
    for index in range(min(start + _TITLE_INSIDE, len(blocks))):
        if index > start:
            inside += blocks[index - 1].chars
            if inside > _MAX_CHARS_BEFORE_HEADLINE:
                break
        score = _title_score(_joined(blocks, index, declared), declared, abs(start - index)) if declared else 0.0
        score -= _TITLE_DISTANCE_COST * min(abs(start - index), _TITLE_ABOVE)
        floor = _MIN_TITLE_SCORE if index <= start + 1 else _MIN_TITLE_SCORE_INSIDE
        if score >= floor and score > best_score + 1e-9:
            best, best_score = index, score
    if best is not None:
        return _extend(blocks, best, declared)
    best_score = _MIN_LOOK_SCORE
    window = range(max(start - _LOOK_ABOVE, 0), min(start + 3, len(blocks)))
    texts = [squash(blocks[i].text) for i in window]
    for index, text in zip(window, texts, strict=True):
        block = blocks[index]
        if index > start and not block.heading:
            continue  # inside the text only real headings count, not bold lead-ins
        score = _looks_like_headline(block) - 0.3 * abs(start - index)
        if score and texts.count(text) > 1:
            score += 1.0  # shown twice (banner and article head): a headline
        if score > best_score:
            best, best_score = index, score
    if best is None:
        return None
    return Headline(best, best, clean_title(blocks[best].text))
