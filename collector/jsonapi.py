"""Collector stage, JSON list APIs (`kind = "json"`, docs/spec.md §13): one answer + JMESPath selectors → posts.

Pure. Text fields lose their HTML; times are epoch seconds, milliseconds or text read in the
source's timezone; counts may be numbers or text ("1.2万"). An error object or a login page
raises `BlockedError`; a list selector that finds nothing at all raises `ParseError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any

import jmespath

from yuqing.collector.blocked import BlockedError, error_object, gate_page
from yuqing.collector.counts import parse_count
from yuqing.collector.dates import parse_time
from yuqing.collector.items import RawPost
from yuqing.collector.markup import clean_text, html_text
from yuqing.collector.normalize import absolute_url
from yuqing.config.errors import ParseError
from yuqing.config.platforms import JsonSelectors

TITLE_CHARS = 60  # a post without a title is titled by the start of its text
_MS_FROM = 10**11  # an epoch number above this is in milliseconds (10**11 s is the year 5138)
_WEIBO_TIME = "%a %b %d %H:%M:%S %z %Y"  # "Fri Dec 04 10:26:10 +0800 2026"
COUNT_FIELDS = ("views", "replies", "reposts", "likes")


@dataclass
class JsonPage:
    """One answer of a list API: its posts, the next cursor (None: no more), and warnings."""

    items: list[RawPost]
    cursor: str | None = None
    warnings: list[str] = field(default_factory=list)


def load_document(content: bytes, *, url: str) -> Any:
    """The JSON document of an answer; BlockedError for a login/captcha page, ParseError otherwise."""
    text = content.decode("utf-8-sig", errors="replace")
    try:
        return json.loads(text)
    except ValueError as exc:
        reason = gate_page(text)
        if reason:
            raise BlockedError(reason) from None
        raise ParseError(f"{url} did not answer JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
                         f"it begins {text[:80]!r}") from None


def parse_json_page(document: Any, selectors: JsonSelectors, *, url: str, site: str, now: datetime, tz: tzinfo,
                    link_template: str | None = None) -> JsonPage:
    """The posts of one JSON answer, each read with the source's selectors; BlockedError for error objects."""
    reason = error_object(document)
    if reason:
        raise BlockedError(reason)
    found = jmespath.search(selectors.items, document)
    if found is None:
        raise ParseError(f"the items selector {selectors.items!r} found nothing in the answer; "
                         "the API's shape may have changed")
    if not isinstance(found, list):
        found = [found]
    page = JsonPage(items=[], cursor=_text(_search(selectors.cursor, document)))
    skipped = 0
    for entry in found:
        post = read_item(entry, selectors, url=url, site=site, now=now, tz=tz, link_template=link_template)
        if post is None:
            skipped += 1
        else:
            page.items.append(post)
    if skipped:
        page.warnings.append(f"{skipped} of {len(found)} items had no link or id and were skipped")
    return page


def read_item(entry: Any, selectors: JsonSelectors, *, url: str, site: str, now: datetime, tz: tzinfo,
              link_template: str | None = None) -> RawPost | None:
    """One item as a post, or None when neither a link nor an id can be read from it."""
    ident = _text(_search(selectors.id, entry))
    link = _text(_search(selectors.link, entry))
    if link:
        link = absolute_url(link, url)
    elif ident and link_template:
        link = link_template.replace("{id}", ident)
    if not link and not ident:
        return None  # without a link the id is the post's identity (its guid); without both, nothing is
    text = _plain(_search(selectors.text, entry))
    title = _plain(_search(selectors.title, entry)) or _title_from(text)
    counts = {name: _count(_search(getattr(selectors, name), entry)) for name in COUNT_FIELDS}
    return RawPost(
        title=title, url=link or "", site=site, guid=f"{site}:{ident}" if ident else None,
        author=_plain(_search(selectors.author, entry)) or None,
        published_at=parse_value_time(_search(selectors.time, entry), now, tz),
        body=text, **counts,
    )


def parse_value_time(value: Any, now: datetime, tz: tzinfo) -> datetime | None:
    """A JSON time value: epoch seconds or milliseconds (number or digits), or text in `tz`."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int | float):
        seconds = value / 1000 if value >= _MS_FROM else value
        try:
            return datetime.fromtimestamp(seconds, UTC) if seconds > 0 else None
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    for reader in (lambda t: datetime.strptime(t, _WEIBO_TIME), parsedate_to_datetime):
        try:
            moment = reader(text)
        except (TypeError, ValueError, IndexError):
            continue
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)
    return parse_time(text, now, tz)


def _search(expression: str | None, data: Any) -> Any:
    return None if expression is None else jmespath.search(expression, data)


def _text(value: Any) -> str | None:
    """A scalar as text (ids are often numbers); None for missing, empty or structured values."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = str(value).strip()
    return text or None


def _plain(value: Any) -> str:
    """The text of a field, HTML stripped (weibo text holds links, <br>, emoji images)."""
    if isinstance(value, list):
        value = "\n".join(str(v) for v in value if isinstance(v, str | int | float))
    text = _text(value)
    if text is None:
        return ""
    return clean_text(html_text(text.replace("<br />", "\n").replace("<br/>", "\n").replace("<br>", "\n")))


def _title_from(text: str) -> str:
    first = text.strip().split("\n", 1)[0].strip()
    return first if len(first) <= TITLE_CHARS else first[: TITLE_CHARS - 1] + "…"


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, float):
        return max(int(value), 0)
    return parse_count(str(value))
