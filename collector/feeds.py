"""Collector stage, feeds: RSS 0.9x/1.0/2.0 or Atom bytes → `Parsed` posts (via feedparser).

Pure. We decode first (Chinese feeds lie about their charset), then let feedparser read the
text; a partly broken feed keeps the entries that could be read and says so in a warning.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any

import feedparser

from yuqing.collector.dates import parse_time
from yuqing.collector.items import Parsed, RawPost
from yuqing.collector.markup import decode_page, html_text
from yuqing.collector.normalize import absolute_url
from yuqing.config.errors import ParseError

_PROLOG_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*)["'][^"']*["']""", re.I)
_HAS_ZONE = re.compile(r"(?:[+-]\d{2}:?\d{2}|\bZ|\b(?:GMT|UTC|UT|[ECMP][SD]T))\s*$", re.I)
_LOOKS_HTML = re.compile(r"<!doctype\s+html|<html[\s>]", re.I)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_CHINA = timedelta(hours=8)


def parse_feed(body: bytes, *, url: str, site: str, now: datetime, tz: tzinfo,
               content_type: str | None = None, encoding: str | None = None) -> Parsed:
    """The entries of an RSS or Atom document; ParseError when it is no feed at all."""
    text = decode_page(body, content_type, encoding)
    utf8 = _PROLOG_ENCODING.sub(r'\1"utf-8"', text, count=1).encode("utf-8")
    # No sanitising or link rewriting: we keep plain text only, and escape it wherever it is shown.
    feed = feedparser.parse(io.BytesIO(utf8), response_headers={"content-type": "application/xml; charset=utf-8"},
                            sanitize_html=False, resolve_relative_uris=False)
    problem = feed.get("bozo_exception") if feed.get("bozo") else None
    if not feed.entries and (problem is not None or not feed.get("version")):
        raise ParseError(_not_a_feed(text, problem))
    # Relative item links belong to the site the channel names, which may not host the feed.
    base = absolute_url(feed.feed.get("link") or "", url)
    items, skipped = [], 0
    for entry in feed.entries:
        item = _entry_post(entry, url=base, site=site, now=now, tz=tz)
        if item is None:
            skipped += 1
        else:
            items.append(item)
    warnings = []
    if problem is not None:
        warnings.append(f"the feed is malformed ({_reason(problem)}); kept the {len(items)} entries that could be read")
    if skipped:
        warnings.append(f"{skipped} entries had neither a link nor an id and were skipped")
    return Parsed(items, warnings)


def _entry_post(entry: Any, *, url: str, site: str, now: datetime, tz: tzinfo) -> RawPost | None:
    guid = (entry.get("id") or "").strip() or None
    link = (entry.get("link") or "").strip()
    if not link and guid and guid.startswith(("http://", "https://")):
        link = guid
    if not link and not guid:
        return None
    body = _entry_body(entry)
    title = html_text(entry.get("title") or "") or body.split("\n", 1)[0][:80]
    author = (entry.get("author_detail") or {}).get("name") or entry.get("author") or None
    replies = entry.get("slash_comments")
    return RawPost(
        title=title, url=absolute_url(link, url) if link else "", site=site, guid=guid,
        author=html_text(author) if author else None, published_at=_entry_time(entry, now, tz),
        body=body, replies=int(replies) if replies and str(replies).strip().isdigit() else None,
    )


def _entry_body(entry: Any) -> str:
    """The longest of the entry's content and summary, as plain text."""
    candidates = [c.get("value", "") for c in entry.get("content") or []]
    candidates.append(entry.get("summary") or "")
    return html_text(max(candidates, key=len))


def _entry_time(entry: Any, now: datetime, tz: tzinfo) -> datetime | None:
    """Publication time; a time written without a zone is read in the source's timezone."""
    raw = (entry.get("published") or entry.get("updated") or "").strip()
    if not raw:
        return None
    # Chinese feeds write "CST" for China Standard Time; feedparser reads it as US Central.
    if raw.upper().endswith(" CST") and now.astimezone(tz).utcoffset() == _CHINA:
        raw = raw[:-4]
    if _HAS_ZONE.search(raw):
        parsed = entry.get("published_parsed") or entry.get("updated_parsed")
        if parsed:
            return datetime(*parsed[:6], tzinfo=UTC)
    try:
        found = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return parse_time(raw, now, tz)
    return found if found.tzinfo is not None else found.replace(tzinfo=tz)


def _not_a_feed(text: str, problem: object) -> str:
    if _LOOKS_HTML.search(text[:4096]):
        title = _TITLE.search(text[:65536])
        named = f" (titled {html_text(title.group(1))[:60]!r})" if title else ""
        return f"the address returned an HTML page{named}, not an RSS or Atom feed"
    if problem is not None:
        return f"not a readable RSS or Atom feed: {_reason(problem)}"
    return "the document holds no RSS or Atom feed"


def _reason(problem: object) -> str:
    text = str(problem).strip() or type(problem).__name__
    where = re.match(r"<unknown>:(\d+):(\d+):\s*", text)  # how the SAX parser names a position
    return f"line {where.group(1)}, column {where.group(2)}: {text[where.end():]}" if where else text
