"""Collector stage, polling a `kind = "json"` source: its settings → every page's posts, or `BlockedError`.

Pages follow `{page}` or `{cursor}` in the URL up to `max_pages` per poll; headers come from the
configuration and secrets only from the environment (`headers_env`), never from the file.
"""

from __future__ import annotations

import os
from datetime import datetime
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from yuqing.collector.blocked import BlockedError, emptied, gate_redirect
from yuqing.collector.fetcher import Fetcher, FetchResult
from yuqing.collector.items import Parsed, RawPost
from yuqing.collector.jsonapi import load_document, parse_json_page
from yuqing.config.errors import FetchError
from yuqing.config.platforms import JsonSelectors
from yuqing.config.settings import SourceSettings


def request_headers(source: SourceSettings) -> dict[str, str]:
    """The source's headers, secrets read from the environment; FetchError names a missing variable."""
    headers = {"Accept": "application/json, text/plain, */*", **source.headers}
    for name, variable in source.headers_env.items():
        value = os.environ.get(variable)
        if not value:
            raise FetchError(f"header {name} is read from ${variable}, which is not set; export it "
                             f"before starting yuqing, or remove headers_env.{name}")
        if not value.isascii() or any(c in value for c in "\r\n"):
            raise FetchError(f"${variable} (header {name}) must be ASCII on one line")
        headers[name] = value
    return headers


def next_url(template: str, current: str, found: str | None, cursor: str,
             page: int) -> tuple[str, str, int] | None:
    """(URL, cursor, page) of the next page, or None when there is none.

    A cursor that is itself a URL on the same host (Zhihu's `paging.next`) is followed as it is;
    otherwise it fills `{cursor}`, or the page number goes up for `{page}`.
    """
    if found and found.startswith(("https://", "http://")):
        same_host = urlsplit(found).hostname == urlsplit(current).hostname
        return (found, found, page) if same_host and found != current else None
    if "{cursor}" in template:
        return (page_url(template, page=page, cursor=found), found, page) if found and found != cursor else None
    if "{page}" in template:
        return page_url(template, page=page + 1, cursor=cursor), cursor, page + 1
    return None


def page_url(template: str, *, page: int, cursor: str) -> str:
    """The URL of one page: `{page}` and `{cursor}` filled in (the first cursor is empty)."""
    return template.replace("{page}", str(page)).replace("{cursor}", quote(cursor, safe=""))


async def fetch_json_source(fetcher: Fetcher, source: SourceSettings, *, had_items: bool, now: datetime,
                            obey_robots: bool) -> tuple[FetchResult, Parsed]:
    """Fetch and parse up to `max_pages` pages of a json source; BlockedError when the site refuses us."""
    selectors = source.selectors
    assert isinstance(selectors, JsonSelectors)  # settings validation guarantees it
    headers, tz = request_headers(source), ZoneInfo(source.timezone)
    items: list[RawPost] = []
    warnings: list[str] = []
    page, cursor, last = source.first_page, "", None
    url = page_url(source.url, page=page, cursor=cursor)
    for _ in range(source.max_pages):
        last = await fetcher.fetch(url, obey_robots=obey_robots, extra_headers=headers)
        reason = gate_redirect(url, last.final_url)
        if reason:
            raise BlockedError(reason)
        try:
            answer = parse_json_page(load_document(last.content, url=last.final_url), selectors,
                                     url=last.final_url, site=source.site_name, now=now, tz=tz,
                                     link_template=source.link_template)
        except BlockedError as exc:
            if not items:
                raise
            # weibo answers `ok: 0` ("这里还没有内容") past the last page: end the paging here;
            # a real refusal shows on the next poll's first page
            warnings.append(f"stopped after {len(items)} items: a later page answered {exc.reason}")
            break
        items.extend(answer.items)
        warnings.extend(answer.warnings)
        if not answer.items:
            break
        following = next_url(source.url, url, answer.cursor, cursor, page)
        if following is None:
            break
        url, cursor, page = following
    assert last is not None  # max_pages ≥ 1
    reason = emptied(len(items), had_items)
    if reason:
        raise BlockedError(reason)
    return last, Parsed(items, warnings)
