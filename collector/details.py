"""Collector stage, follow-up pages: list items + fetcher → items completed from their own pages.

Discuz! thread pages give the first post's text and 查看/回复 counts (`fetch_threads`);
article pages give feed items whose description is short their main text (`fetch_article`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, tzinfo

from yuqing.collector.article import extract_article
from yuqing.collector.fetcher import Fetcher
from yuqing.collector.forums.discuz import parse_thread_page
from yuqing.collector.items import Parsed, RawPost
from yuqing.collector.markup import decode_page
from yuqing.collector.normalize import post_key
from yuqing.config.errors import YuqingError
from yuqing.config.settings import SourceSettings

SHORT_BODY = 200  # characters: a feed description shorter than this is a teaser, not the text
MAX_PAGES_PER_POLL = 30  # the rest waits for the next poll, so one board cannot hog a pass


def wants_details(source: SourceSettings) -> bool:
    """True when this source completes its items from their own pages."""
    return (source.kind == "discuz" and source.fetch_threads) or (source.kind == "rss" and source.fetch_article)


async def add_details(fetcher: Fetcher, source: SourceSettings, parsed: Parsed, known: frozenset[str],
                      *, now: datetime, tz: tzinfo, obey_robots: bool) -> Parsed:
    """Fetch the pages of items not yet stored with their text, and merge what they say."""
    if not wants_details(source):
        return parsed
    wanted = [i for i, item in enumerate(parsed.items) if _needs_page(source, item, known)]
    wanted = wanted[:MAX_PAGES_PER_POLL]
    read: Callable[[str, str | None], RawPost]
    if source.kind == "discuz":
        def read(text: str, url: str | None) -> RawPost:
            return parse_thread_page(text, url=url or source.url, site=source.site_name, now=now, tz=tz)
        merge = _merge_thread
    else:
        read, merge = _reader_of_articles(tz, source.site_name), _merge_article
    outcomes = await asyncio.gather(*(_page(fetcher, source, parsed.items[i], read, obey_robots) for i in wanted))
    items = list(parsed.items)
    errors = []
    for index, outcome in zip(wanted, outcomes, strict=True):
        if isinstance(outcome, RawPost):
            items[index] = merge(items[index], outcome)
        else:
            errors.append(outcome)
    warnings = list(parsed.warnings)
    if errors:
        warnings.append(_unread_warning(source, len(errors), len(wanted), errors[0]))
    return Parsed(items, warnings)


def _unread_warning(source: SourceSettings, failed: int, tried: int, first: str) -> str:
    """What the source's health shows when item pages could not be read."""
    if source.kind == "discuz" and failed == tried:
        return (f"the board lists threads, but none of their pages could be read ({failed} tried; first: {first}); "
                "their posts are stored with titles only: check the thread pages' address, login or robots.txt, "
                "or set fetch_threads = false")
    what = "thread pages" if source.kind == "discuz" else "article pages"
    return f"{failed} of {tried} {what} could not be read; first: {first}"


def _needs_page(source: SourceSettings, item: RawPost, known: frozenset[str]) -> bool:
    if not item.url or post_key(item.url, item.guid) in known:
        return False
    return source.kind == "discuz" or len(item.body) < SHORT_BODY


async def _page(fetcher: Fetcher, source: SourceSettings, item: RawPost,
                read: Callable[[str, str | None], RawPost], obey_robots: bool) -> RawPost | str:
    """The item's own page read into a RawPost, or the reason it could not be."""
    try:
        result = await fetcher.fetch(item.url, obey_robots=obey_robots)
        text = decode_page(result.content, result.content_type, source.encoding)
        return await asyncio.to_thread(read, text, item.url)
    except YuqingError as exc:
        return f"{item.url}: {exc}"


def _reader_of_articles(tz: tzinfo, site: str) -> Callable[[str, str | None], RawPost]:
    def read(text: str, url: str | None) -> RawPost:
        article = extract_article(text, url)
        published = article.published_at
        if published is not None and published.tzinfo is None:
            published = published.replace(tzinfo=tz)  # written on the page in the site's time
        return RawPost(title=article.title or "", url=url or "", site=site, author=article.author,
                       published_at=published, body=article.body)

    return read


def _merge_thread(listed: RawPost, page: RawPost) -> RawPost:
    return listed.merged(
        body=page.body or listed.body, author=listed.author or page.author,
        published_at=page.published_at or listed.published_at,
        views=page.views if page.views is not None else listed.views,
        replies=page.replies if page.replies is not None else listed.replies,
    )


def _merge_article(listed: RawPost, page: RawPost) -> RawPost:
    return listed.merged(
        body=page.body if len(page.body) > len(listed.body) else listed.body,
        author=listed.author or page.author, published_at=listed.published_at or page.published_at,
        title=listed.title or page.title,
    )
