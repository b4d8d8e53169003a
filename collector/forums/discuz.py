"""Collector stage, Discuz! X3 boards: thread-list and thread-page HTML → `RawPost`s.

Pure. Selectors follow the X3.4 templates (forumdisplay_list.htm, viewthread.htm); times
shown relative ("3 小时前", "昨天 18:07") are resolved against `now` in the board's timezone.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from bs4 import Tag

from yuqing.collector.counts import parse_count
from yuqing.collector.dates import has_clock, parse_time
from yuqing.collector.items import Parsed, RawPost
from yuqing.collector.markup import clean_text, element_text, parse_html
from yuqing.collector.normalize import absolute_url
from yuqing.config.errors import ParseError

_ROW_ID = re.compile(r"^(?:normal|stick)thread_(\d+)$")
_POST_ID = re.compile(r"^post_\d+$")


def parse_thread_list(html: str, *, url: str, site: str, now: datetime, tz: tzinfo) -> Parsed:
    """The threads of a board list page (`forum.php?mod=forumdisplay`), sticky ones included."""
    soup = parse_html(html)
    table = soup.select_one("table#threadlisttableid")
    if table is None:
        raise ParseError(_why_no_list(soup))
    items, warnings, seen = [], [], set()
    for row in table.select("tbody[id^=normalthread_], tbody[id^=stickthread_]"):
        match = _ROW_ID.match(str(row.get("id", "")))
        if match is None or match.group(1) in seen:
            continue
        seen.add(match.group(1))
        item = _list_row(row, url=url, site=site, now=now, tz=tz)
        if item is None:
            warnings.append(f"thread {match.group(1)} has no title link (a.s.xst); skipped")
        else:
            items.append(item)
    return Parsed(items, warnings)


def parse_thread_page(html: str, *, url: str, site: str, now: datetime, tz: tzinfo) -> RawPost:
    """The first post of a thread page (`forum.php?mod=viewthread`), with 查看/回复 counts."""
    soup = parse_html(html)
    subject = soup.select_one("h1.ts span#thread_subject")
    posts = [d for d in soup.select("#postlist > div[id^=post_]") if _POST_ID.match(str(d.get("id")))]
    if subject is None or not posts:
        raise ParseError(_why_no_list(soup, what="thread page", selector="span#thread_subject"))
    first = posts[0]
    views, replies = _thread_counts(soup)
    author = first.select_one("div.authi a.xw1")
    message = first.select_one("td.t_f[id^=postmessage_]")
    if message is not None:
        for note in message.select("i.pstatus, div.attach_nopermission, div.locked"):
            note.decompose()  # "本帖最后由 … 编辑" and permission notes are not the post
    return RawPost(
        title=clean_text(subject.get_text()), url=url, site=site,
        author=clean_text(author.get_text()) if author else None,
        published_at=_shown_time(first.select_one("em[id^=authorposton]"), now, tz),
        body=element_text(message), views=views, replies=replies,
    )


def _list_row(row: Tag, *, url: str, site: str, now: datetime, tz: tzinfo) -> RawPost | None:
    link = row.select_one("th a.s.xst")
    if link is None or not link.get("href"):
        return None
    by = row.select_one("td.by")  # the first td.by is the author's, the second the last reply's
    cite = by.select_one("cite") if by else None
    author_link = cite.select_one("a") if cite else None
    author = clean_text((author_link or cite).get_text()) if cite else ""
    num = row.select_one("td.num")
    return RawPost(
        title=clean_text(link.get_text()), url=absolute_url(str(link["href"]), url), site=site,
        author=author or None,
        published_at=_shown_time(by.select_one("em") if by else None, now, tz),
        views=parse_count(_text(num.select_one("em"))) if num else None,
        replies=parse_count(_text(num.select_one("a.xi2"))) if num else None,
    )


def _shown_time(element: Tag | None, now: datetime, tz: tzinfo) -> datetime | None:
    """A Discuz! time cell: relative text, with the absolute time in `span[title]` inside 7 days."""
    if element is None:
        return None
    shown = clean_text(element.get_text(" "))
    titled = element.select_one("span[title]")
    title = str(titled["title"]) if titled is not None else ""
    if has_clock(title):  # "2018-8-20 18:07": exact
        return parse_time(title, now, tz)
    if has_clock(shown):  # "3 小时前", "昨天 18:07", "发表于 2018-9-4 14:33"
        return parse_time(shown, now, tz)
    return parse_time(title, now, tz) or parse_time(shown, now, tz)  # a date ("5 天前" + title date)


def _thread_counts(soup: Tag) -> tuple[int | None, int | None]:
    """查看 and 回复 from `div.hm.ptn span.xi1` (page 1 only)."""
    spans = soup.select("div.hm.ptn span.xi1")
    if len(spans) < 2:
        return None, None
    return parse_count(spans[0].get_text()), parse_count(spans[1].get_text())


def _text(element: Tag | None) -> str | None:
    return element.get_text() if element is not None else None


def _why_no_list(soup: Tag, what: str = "thread list", selector: str = "table#threadlisttableid") -> str:
    """Say why a page is not what we expected: a Discuz! message (login, permission) or a new layout."""
    message = soup.select_one("#messagetext") or soup.select_one("div.alert_error, div.alert_info")
    if message is not None:
        text = clean_text(message.get_text(" "))[:120]
        return f"the board shows a message instead of its {what}: {text!r} (login or permission needed?)"
    if soup.select_one("#seccheck, #seccodeverify, .geetest_holder, #captcha") is not None:
        return f"the board shows a captcha instead of its {what}"
    return f"not a Discuz! X {what}: no {selector} on the page (the template or address may have changed)"
