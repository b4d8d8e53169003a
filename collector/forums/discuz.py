"""Collector stage, Discuz! boards: thread-list and thread-page HTML → `RawPost`s.

Pure. Read by the data Discuz! writes whatever the theme: row ids `normalthread_N`/`stickthread_N`,
`#thread_subject`, `postmessage_N`, `authorposton_N`, and 查看/回复 counts found by their labels
(or `foldviews`-style classes) near the subject. Times shown relative ("3 小时前", "昨天 18:07") are
resolved against `now` in the board's timezone; links against the page's `<base href>`.
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

_ROW_ID = re.compile(r"^(?:normal|stick)thread_(\d+)$")
_MESSAGE_ID = re.compile(r"^postmessage_(\d+)$")
_THREAD_HREF = re.compile(r"tid=(\d+)|thread-(\d+)-")
# A count written after its label: "查看: 1031", "阅读 2.3万", "回复：12"; not "回复 1#" (a floor).
_NUMBER = r"\s*[:：]?\s*(\d[\d,]*(?:\.\d+)?\s*[万萬wWkK]?)(?![\d#楼樓])"
_VIEWS = re.compile(r"(?:查看|阅读|閱讀|浏览|瀏覽|人气|點擊|点击)(?:数|數|量|次数)?" + _NUMBER)
_REPLIES = re.compile(r"(?:回复|回復|回帖|评论|評論)(?:数|數|量)?" + _NUMBER)
_VIEWS_CLASS = re.compile(r"views?\b|clicks?\b|hits\b", re.IGNORECASE)
_REPLIES_CLASS = re.compile(r"repl(?:y|ies|ys)\b|comments?\b", re.IGNORECASE)
_COUNT_REACH = 4  # ancestors of the subject searched for its counts
_NOT_THE_POST = "i.pstatus, div.attach_nopermission, div.locked, div.tip, div.a_pr"


def parse_thread_list(html: str, *, url: str, site: str, now: datetime, tz: tzinfo) -> Parsed:
    """The threads of a board list page (`forum.php?mod=forumdisplay`), sticky ones included."""
    root = parse_page(html)
    base = base_url(root, url)
    rows = select(root, "tbody[id^=normalthread_], tbody[id^=stickthread_]")
    if not rows:
        if select_one(root, "#threadlisttableid, #threadlist") is not None:
            return Parsed([], [])  # a board with no threads yet (or all moved away): nothing to read
        raise ParseError(_why_not(root))
    items, warnings, seen = [], [], set()
    for row in rows:
        match = _ROW_ID.match(row.get("id", ""))
        if match is None or match.group(1) in seen:
            continue
        seen.add(match.group(1))
        item = _list_row(row, match.group(1), base=base, site=site, now=now, tz=tz)
        if item is None:
            warnings.append(f"thread {match.group(1)} has no title link; skipped")
        else:
            items.append(item)
    return Parsed(items, warnings)


def parse_thread_page(html: str, *, url: str, site: str, now: datetime, tz: tzinfo) -> RawPost:
    """The first post of a thread page (`forum.php?mod=viewthread`), with its 查看/回复 counts."""
    root = parse_page(html)
    subject = select_one(root, "#thread_subject")
    message = next((e for e in select(root, "[id^=postmessage_]") if _MESSAGE_ID.match(e.get("id", ""))), None)
    if subject is None or message is None:
        missing = "#thread_subject" if subject is None else "postmessage_N element"
        raise ParseError(_why_not(root, what="thread page", missing=missing))
    post_id = _MESSAGE_ID.match(message.get("id", "")).group(1)  # type: ignore[union-attr]
    views, replies = _thread_counts(subject)
    for note in select(message, _NOT_THE_POST):
        _drop(note)  # "本帖最后由 … 编辑", permission notes, attachment tips and ads are not the post
    posted = select_one(root, f"#authorposton{post_id}, #authorposton_{post_id}")
    return RawPost(
        title=clean_text(" ".join(subject.itertext())), url=url, site=site,
        author=_author(root, post_id),
        published_at=_shown_time(posted if posted is not None else select_one(root, "[id^=authorposton]"), now, tz),
        body=element_text(message), views=views, replies=replies,
    )


def _list_row(row: etree._Element, tid: str, *, base: str, site: str, now: datetime, tz: tzinfo) -> RawPost | None:
    link = _title_link(row, tid)
    if link is None:
        return None
    by = select_one(row, "td.by")  # the first td.by is the author's, the second the last reply's
    cite = select_one(by, "cite") if by is not None else None
    author_link = select_one(cite, "a") if cite is not None else None
    author = clean_text(" ".join((author_link if author_link is not None else cite).itertext())) if cite is not None else ""
    num = select_one(row, "td.num")
    return RawPost(
        title=clean_text(" ".join(link.itertext())), url=absolute_url(link.get("href", ""), base), site=site,
        author=author or None,
        published_at=_shown_time(select_one(by, "em") if by is not None else None, now, tz),
        views=parse_count(_text(select_one(num, "em"))) if num is not None else None,
        replies=parse_count(_text(select_one(num, "a"))) if num is not None else None,
    )


def _title_link(row: etree._Element, tid: str) -> etree._Element | None:
    """`a.xst` where the theme kept it, else the first link to the thread with words in it."""
    link = select_one(row, "a.xst[href]")
    if link is not None:
        return link
    for candidate in select(row, "th a[href], td a[href]"):
        found = _THREAD_HREF.search(candidate.get("href", ""))
        text = clean_text(" ".join(candidate.itertext()))
        if found and tid in found.groups() and text and not text.isdigit():
            return candidate
    return None


def _shown_time(element: etree._Element | None, now: datetime, tz: tzinfo) -> datetime | None:
    """A Discuz! time cell: relative text, with the absolute time in `span[title]` inside 7 days."""
    if element is None:
        return None
    shown = clean_text(" ".join(element.itertext()))
    titled = select_one(element, "span[title]")
    title = titled.get("title", "") if titled is not None else ""
    if has_clock(title):  # "2018-8-20 18:07": exact
        return parse_time(title, now, tz)
    if has_clock(shown):  # "3 小时前", "昨天 18:07", "发表于 2018-9-4 14:33"
        return parse_time(shown, now, tz)
    return parse_time(title, now, tz) or parse_time(shown, now, tz)  # a date ("5 天前" + title date)


def _author(root: etree._Element, post_id: str) -> str | None:
    """The first post's author: its `div.authi a.xw1`, else its first link to a member's space."""
    post = select_one(root, f"#post_{post_id}, #pid{post_id}")
    if post is None:
        return None
    link = select_one(post, "div.authi a.xw1, a.xw1")
    if link is None:
        link = next((a for a in select(post, "a[href*=space]") if clean_text(" ".join(a.itertext()))), None)
    return (clean_text(" ".join(link.itertext())) or None) if link is not None else None


def _thread_counts(subject: etree._Element) -> tuple[int | None, int | None]:
    """查看 and 回复 near the subject: by class (`span.foldviews`) or by label, page 1 only."""
    views = replies = None
    area: etree._Element | None = subject
    for _ in range(_COUNT_REACH):
        area = area.getparent() if area is not None else None
        if area is None or area.tag in ("body", "html"):
            break
        if views is None:
            views = _classed_count(area, _VIEWS_CLASS)
        if replies is None:
            replies = _classed_count(area, _REPLIES_CLASS)
        text = _label_text(area)
        if views is None and (found := _VIEWS.search(text)):
            views = parse_count(found.group(1))
        if replies is None and (found := _REPLIES.search(text)):
            replies = parse_count(found.group(1))
        if views is not None and replies is not None:
            break
    return views, replies


def _classed_count(area: etree._Element, pattern: re.Pattern[str]) -> int | None:
    """A count in an element whose class names it (`foldviews`, `replies`) and holds a number."""
    for element in area.iter():
        if isinstance(element.tag, str) and pattern.search(element.get("class", "")):
            count = parse_count(" ".join(element.itertext()))
            if count is not None:
                return count
    return None


def _label_text(area: etree._Element) -> str:
    """The text of an area on one line, without the posts' own text (a post may say "回复 3")."""
    parts = []
    for element in area.iter():
        if not isinstance(element.tag, str) or element.tag in ("script", "style"):
            continue
        if _MESSAGE_ID.match(element.get("id", "")):
            break
        parts.append(element.text or "")
        parts.append(element.tail or "")
    return " ".join(" ".join(parts).split())


def _drop(element: etree._Element) -> None:
    """Remove an element, keeping the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    previous = element.getprevious()
    if element.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _text(element: etree._Element | None) -> str | None:
    return " ".join(element.itertext()) if element is not None else None


def _why_not(root: etree._Element, what: str = "thread list", missing: str = "normalthread_N rows") -> str:
    """Say why a page is not what we expected: a Discuz! message (login, permission) or a new layout."""
    message = select_one(root, "#messagetext, div.alert_error, div.alert_info")
    if message is not None:
        text = clean_text(" ".join(message.itertext()))[:120]
        return f"the board shows a message instead of its {what}: {text!r} (login or permission needed?)"
    if select_one(root, "#seccheck, #seccodeverify, .geetest_holder, #captcha") is not None:
        return f"the board shows a captcha instead of its {what}"
    return f"not a Discuz! {what}: no {missing} on the page (the address may be wrong, or not a Discuz! board)"
