"""Collector stage, evidence: a post's URL → its page as fetched (raw bytes, status, headers, SHA-256),
packed for keeping; and a re-check's answer → alive, gone (deleted), login (the page now asks to log
in: gone only for a post that also left its list) or unknown (timeout, 5xx).

`judge_page` and `pack_page` are pure; `fetch_page` goes through the pass's `Fetcher` and its politeness.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from datetime import datetime

from yuqing.collector.fetcher import Fetcher, HttpStatusError
from yuqing.collector.markup import decode_page, element_text, parse_page, select_one
from yuqing.config.errors import FetchError

GONE_STATUSES = frozenset({404, 410})
# Deleted / not-found pages as forums and news sites word them; Discuz!'s own message first.
GONE_MARKERS = ("抱歉，指定的主题不存在或已被删除", "指定的主题不存在", "该帖已被删除", "帖子不存在",
                "帖子已被删除", "页面不存在", "内容已被删除", "该内容已被删除", "已删除", "文章不存在",
                "微博不存在", "页面找不到", "404 Not Found", "Page not found")
# A login wall where the post was public: Discuz!'s 提示信息 and the common wordings.
LOGIN_MARKERS = ("您需要登录后才可以", "您尚未登录", "请先登录", "登录后才能", "登录后可见", "需要登录",
                 "请登录后", "没有权限访问该版块")
SHORT_PAGE = 1500  # characters of text: a deleted-notice page is short, a post page is not


@dataclass(frozen=True)
class PageFetch:
    """One fetch of a post's page: the answer (status, headers, raw bytes) or the error text."""

    url: str
    fetched_at: datetime
    status: int | None
    final_url: str | None = None
    content: bytes = b""
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class PackedPage:
    """Raw bytes made ready to keep: zlib-compressed, with the SHA-256 and size of the raw bytes."""

    sha256: str
    raw_size: int
    compressed: bytes


@dataclass(frozen=True)
class Verdict:
    """What a re-check says: `alive`, `gone` (with why), `login` (a login wall stands where the post
    was) or `unknown` (no answer worth judging)."""

    state: str
    reason: str


async def fetch_page(fetcher: Fetcher, url: str, now: datetime, *, obey_robots: bool = True) -> PageFetch:
    """GET a post's page once (the fetcher's retries apply); an error answer or failure is recorded."""
    try:
        result = await fetcher.fetch(url, obey_robots=obey_robots)
    except HttpStatusError as exc:
        return PageFetch(url, now, exc.status, error=str(exc))
    except FetchError as exc:
        return PageFetch(url, now, None, error=str(exc))
    return PageFetch(url, now, result.status, final_url=result.final_url, content=result.content,
                     content_type=result.content_type, headers=result.headers)


def pack_page(content: bytes) -> PackedPage:
    """The SHA-256 (hex) and size of `content`, and `content` zlib-compressed."""
    return PackedPage(hashlib.sha256(content).hexdigest(), len(content), zlib.compress(content, 9))


def unpack_page(compressed: bytes) -> bytes:
    """The raw bytes a `PackedPage` was made from."""
    return zlib.decompress(compressed)


def judge_page(page: PageFetch, title: str = "") -> Verdict:
    """Whether a re-checked page is gone: 404/410, or a short deleted/not-found notice that no longer
    shows the post's `title`; `login` for a short login-wall page (401 or a notice) without the title.
    Timeouts, refusals, 403 and 5xx answers are `unknown`, never gone."""
    if page.status in GONE_STATUSES:
        return Verdict("gone", f"HTTP {page.status}")
    if page.status == 401:
        return Verdict("login", "HTTP 401")
    if page.status is None or page.error is not None or not 200 <= page.status < 300:
        return Verdict("unknown", page.error or f"HTTP {page.status}")
    root = parse_page(decode_page(page.content, page.content_type))
    head = element_text(select_one(root, "title"))
    body = element_text(root.find("body") if root.find("body") is not None else root)
    if title.strip() and title.strip() in head + "\n" + body:
        return Verdict("alive", f"HTTP {page.status}, the post's title is on the page")
    for marker in GONE_MARKERS:
        if marker in head:
            return Verdict("gone", f"the page's title says {marker!r}")
        if len(body) <= SHORT_PAGE and marker in body:
            return Verdict("gone", f"the page says {marker!r}")
    for marker in LOGIN_MARKERS:
        if marker in head or (len(body) <= SHORT_PAGE and marker in body):
            return Verdict("login", f"the page asks to log in ({marker!r})")
    return Verdict("alive", f"HTTP {page.status}")
