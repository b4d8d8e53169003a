"""Collector stage, article extraction helper: <meta> tags + text blocks → date, author.

Dates are read from metadata first, then from the byline area around the headline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone

from lxml import etree

from yuqing.collector.article_blocks import Block

_DATE_META = frozenset({
    "article:published_time", "og:published_time", "og:release_date", "pubdate",
    "publishdate", "publish_date", "publish-date", "publishtime", "publish_time", "pubtime",
    "datepublished", "date", "dc.date", "dc.date.issued", "dcterms.created", "dcterms.date",
    "sailthru.date", "parsely-pub-date", "weibo:article:create_at",
})  # fmt: skip
_AUTHOR_META = ("author", "article:author", "dc.creator", "byl")
_DATE_RE = re.compile(
    r"(?<!\d)((?:19|20)\d\d)\s*(?:([-/.])\s*(\d{1,2})\s*\2|年\s*(\d{1,2})\s*月)\s*(\d{1,2})(?!\d)"
    r"(?:\s*日)?(?:[\sT]*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?"
    r"(?:\.\d+)?(Z|[+-]\d\d:?\d\d)?)?"
)
_MDY_RE = re.compile(
    r"(?<![\d/])(\d{1,2})/(\d{1,2})/((?:19|20)\d\d)(?![\d/])"
    r"(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp][Mm]))?)?"
)
_CN_MONTHS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")
_CN_MONTH_RE = re.compile(
    r"(?<![一二三四五六七八九十])(十[一二]|[一二三四五六七八九十])月\s*(\d{1,2})(?:st|nd|rd|th)?\s*,\s*((?:19|20)\d\d)(?!\d)"
)
# Loose patterns for telling date lines apart, without parsing them.
YMD_RE = re.compile(r"(?:19|20)\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
STAMP_RE = re.compile(YMD_RE.pattern + r"\s*日?\s*\d{1,2}\s*[:：时]\s*\d{1,2}")
_URL_DATE_RE = re.compile(r"/((?:19|20)\d\d)[/_-]?(0[1-9]|1[0-2])[/_-]?(0[1-9]|[12]\d|3[01])(?=[/_.-])")
_COPYRIGHT_RE = re.compile(r"版权|copyright|©|\(c\)|icp|all rights", re.IGNORECASE)
_AUTHOR_RE = re.compile(
    r"(?:作者|撰文|文|记者|发布者|楼主|by)\s*[：:/／]\s*"
    r"([\u4e00-\u9fffA-Za-z·][\u4e00-\u9fffA-Za-z0-9_·.\-]{0,15})",
    re.IGNORECASE,
)
_MAX_DATE_LINE = 200
_MAX_BYLINE = 120  # longer blocks are prose, whose dates are not the article's


def read_meta(root: etree._Element) -> dict[str, str]:
    """Map lower-cased <meta> name/property/itemprop to its content (first wins)."""
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        content = meta.get("content")
        if key and content and content.strip():
            found.setdefault(key.strip().lower(), content.strip())
    return found


def _ymd(match: re.Match[str]) -> datetime | None:
    """Build a datetime from a year-first match."""
    year, _, month_a, month_b, day, hour, minute, second, offset = match.groups()
    when = _build(year, month_a or month_b, day, hour, minute, second)
    if when is not None and offset:
        when = when.replace(tzinfo=_parse_offset(offset))
    return when


def _parse_offset(offset: str) -> timezone:
    """timezone for "Z", "+08:00" or "-0500"."""
    if offset == "Z":
        return UTC
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _mdy(match: re.Match[str]) -> datetime | None:
    """Build a datetime from a year-last match (US month/day unless day comes first)."""
    first, second_, year, hour, minute, second, half = match.groups()
    month, day = (second_, first) if int(first) > 12 else (first, second_)
    if hour and half:
        hour = str(int(hour) % 12 + (12 if half.lower() == "pm" else 0))
    return _build(year, month, day, hour, minute, second)


def _cn_month(match: re.Match[str]) -> datetime | None:
    """Build a date from a blog's "十一月 6th, 2009" (a Chinese month name, an English ordinal)."""
    month, day, year = match.groups()
    return _build(year, str(_CN_MONTHS.index(month) + 1), day)


def _build(*fields: str | None) -> datetime | None:
    """datetime(year, month, day, hour, minute, second) from strings, None if invalid."""
    try:
        return datetime(*(int(f or 0) for f in fields))  # type: ignore[misc]
    except ValueError:
        return None


def parse_date(text: str) -> datetime | None:
    """First plausible date in a string (2005-6-7, 2005年6月7日, 6/7/2005, with time; 十一月 6th, 2009)."""
    found: list[tuple[int, datetime]] = []
    for pattern, build in ((_DATE_RE, _ymd), (_MDY_RE, _mdy), (_CN_MONTH_RE, _cn_month)):
        for match in pattern.finditer(text):
            if (when := build(match)) is not None:
                found.append((match.start(), when))
                break
    return min(found, key=lambda item: item[0])[1] if found else None


def url_date(url: str | None) -> datetime | None:
    """Date in an article URL's path: /2005/07/31/, /20050731/, /2005-07-31/."""
    if not url:
        return None
    match = _URL_DATE_RE.search(url)
    return _build(*match.groups()) if match else None


def meta_date(meta: dict[str, str], root: etree._Element) -> datetime | None:
    """Publication date from <meta> tags or a <time datetime> element; one with a time of day first."""
    found = [parse_date(value) for key, value in meta.items() if key in _DATE_META]
    found += [parse_date(element.get("datetime") or "") for element in root.iter("time")]
    dated = [when for when in found if when is not None]
    return next((when for when in dated if has_time(when)), dated[0] if dated else None)


def has_time(when: datetime) -> bool:
    """True unless the datetime is a bare date (midnight, no zone): what date-only metadata gives."""
    return when.tzinfo is not None or (when.hour, when.minute, when.second) != (0, 0, 0)


def block_date(blocks: list[Block], indexes: Iterable[int], *, timed: bool = False) -> datetime | None:
    """First date in the given short blocks, skipping copyright lines; `timed`: only dates with a time."""
    for index in indexes:
        if not 0 <= index < len(blocks):
            continue
        text = blocks[index].text
        if len(text) > _MAX_DATE_LINE or _COPYRIGHT_RE.search(text) or (timed and not STAMP_RE.search(text)):
            continue
        if (found := parse_date(text)) is not None and (not timed or has_time(found)):
            return found
    return None


def find_author(meta: dict[str, str], blocks: list[Block], indexes: range) -> str | None:
    """Author from <meta name=author> or a byline ("作者：", "记者 ") near the headline."""
    for key in _AUTHOR_META:
        if key in meta and not meta[key].startswith("http"):
            return meta[key]
    for index in indexes:
        if 0 <= index < len(blocks) and blocks[index].chars <= _MAX_BYLINE:
            match = _AUTHOR_RE.search(blocks[index].text)
            if match:
                return match.group(1)
    return None
