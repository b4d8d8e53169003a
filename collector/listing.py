"""Collector stage, selector lists (`kind = "html"`, docs/spec.md §8): list-page HTML + CSS selectors → posts.

Pure. "sel@attr" reads an attribute; links resolve against the page's `<base href>`; counts are read
from text such as "转发 1.2万"; a selector that stops matching is an error, so a changed layout is
reported, not silent.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from lxml import etree

from yuqing.collector.counts import parse_count
from yuqing.collector.dates import has_clock, parse_time
from yuqing.collector.items import Parsed, RawPost
from yuqing.collector.markup import base_url, clean_text, element_text, parse_page, select, select_one
from yuqing.collector.normalize import absolute_url
from yuqing.config.errors import ParseError
from yuqing.config.sources import Selectors

_ATTRIBUTE = re.compile(r"^(.*)@([A-Za-z_:][\w:.-]*)$")


def parse_listing(html: str, selectors: Selectors, *, url: str, site: str, now: datetime,
                  tz: tzinfo) -> Parsed:
    """The items of a list page, each read with the source's selectors."""
    root = parse_page(html)
    base = base_url(root, url)
    blocks = select(root, selectors.item)
    if not blocks:
        raise ParseError(
            f"the item selector {selectors.item!r} matched nothing on the page; "
            "the page's layout may have changed (or it needs a login)"
        )
    items, skipped = [], 0
    for block in blocks:
        item = _read_item(block, selectors, base=base, site=site, now=now, tz=tz)
        if item is None:
            skipped += 1
        else:
            items.append(item)
    if not items:
        raise ParseError(
            f"{len(blocks)} items matched {selectors.item!r}, but none had both a title "
            f"({selectors.title!r}) and a link ({selectors.link!r})"
        )
    warnings = [f"{skipped} of {len(blocks)} items had no title or link and were skipped"] if skipped else []
    return Parsed(items, warnings)


def _read_item(block: etree._Element, selectors: Selectors, *, base: str, site: str, now: datetime,
               tz: tzinfo) -> RawPost | None:
    title = clean_text(_value(block, selectors.title) or "")
    href = _link(block, selectors.link)
    if not title or not href:
        return None
    return RawPost(
        title=title, url=absolute_url(href, base), site=site,
        author=clean_text(_value(block, selectors.author) or "") or None,
        published_at=_time(block, selectors.time, now, tz),
        body=_body(block, selectors.body),
        views=parse_count(_value(block, selectors.views)),
        replies=parse_count(_value(block, selectors.replies)),
        reposts=parse_count(_value(block, selectors.reposts)),
    )


def _split(spec: str) -> tuple[str, str | None]:
    """"a.title@href" → ("a.title", "href"); "@href" reads the item itself."""
    match = _ATTRIBUTE.match(spec.strip())
    return (match.group(1).strip(), match.group(2)) if match else (spec.strip(), None)


def _find(block: etree._Element, css: str) -> etree._Element | None:
    return block if not css else select_one(block, css)


def _value(block: etree._Element, spec: str | None) -> str | None:
    """The text (or the attribute, for "sel@attr") of the first match inside the item."""
    if not spec:
        return None
    css, attribute = _split(spec)
    found = _find(block, css)
    if found is None:
        return None
    if attribute:
        return found.get(attribute)
    return " ".join(found.itertext())


def _link(block: etree._Element, spec: str) -> str | None:
    css, attribute = _split(spec)
    found = _find(block, css)
    if found is None:
        return None
    if attribute:
        return _value(block, spec)
    anchor = found if found.get("href") else select_one(found, "a[href]")
    return anchor.get("href") if anchor is not None else None


def _time(block: etree._Element, spec: str | None, now: datetime, tz: tzinfo) -> datetime | None:
    """The time the item shows; an exact datetime/title attribute wins over "3小时前"."""
    if not spec:
        return None
    css, attribute = _split(spec)
    element = _find(block, css)
    if element is None:
        return None
    if attribute:
        return parse_time(_value(block, spec), now, tz)
    attributes = [element.get(a, "") for a in ("datetime", "title", "data-time") if element.get(a)]
    exact = next((a for a in attributes if has_clock(a) and parse_time(a, now, tz)), None)
    if exact is not None:
        return parse_time(exact, now, tz)
    found = parse_time(" ".join(element.itertext()), now, tz)
    for raw in attributes:
        found = found or parse_time(raw, now, tz)
    return found


def _body(block: etree._Element, spec: str | None) -> str:
    if not spec:
        return ""
    css, attribute = _split(spec)
    if attribute:
        return clean_text(_value(block, spec) or "")
    return element_text(_find(block, css))

