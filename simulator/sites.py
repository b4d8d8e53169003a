"""Serves the simulated sites over HTTP on 127.0.0.1 (an ephemeral port), one step at a time.

Paths (copy N of the sites under /s/N/…): /news/rss.xml, /press/atom.xml,
/bbs/forum.php?mod=forumdisplay&fid=2 (GBK Discuz!), /bbs2/forum.php?… (UTF-8 Discuz!),
/weibo/list, the item pages they link to, and a permissive /robots.txt. A page can be deleted
(`delete`: a 404, or a forum's "deleted" notice) or made to stall (`stall`: no answer in time).
`publish` puts a new item online at once, outside the steps, and says when it did (latency benchmarks).
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from yuqing.simulator import pages
from yuqing.simulator.scenario import STEPS, Item

_COPY = re.compile(r"^/s/(\d+)(/.*)$")
_DISCUZ_CHARSET = {"bbs": "gbk", "bbs2": "utf-8"}
_FEED_PATHS = {
    "news": "/news/rss.xml",
    "press": "/press/atom.xml",
    "bbs": "/bbs/forum.php?mod=forumdisplay&fid=2",
    "bbs2": "/bbs2/forum.php?mod=forumdisplay&fid=2",
    "weibo": "/weibo/list",
}


class SimulatedSites:
    """The simulated sites; `advance()` moves the world to its next step."""

    def __init__(self, *, copies: int = 1, start: datetime | None = None, etags: bool = True) -> None:
        """`etags`: answer If-None-Match with 304 when nothing changed (False: every poll gets the whole
        list and parses it, as when lists change at every poll — bench/distributed.py's worst case)."""
        self.copies = copies
        self.etags = etags
        self.step_times: tuple[datetime, ...] = (start or datetime.now(UTC),)
        self.failing: set[str] = set()
        self.deleted: dict[str, str | None] = {}  # request target → the notice shown, or None for 404
        self.hidden: set[tuple[int, str, int]] = set()  # (copy, board, item id) no longer in the lists
        self.stalled: dict[str, float] = {}  # request target → seconds before it answers
        self.published: dict[int, tuple[Item, ...]] = {}  # copy → items published while running, oldest first
        self.requests = 0
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,), name="simulated-sites", daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT"""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def step(self) -> int:
        """The current step (0 before anything happens)."""
        return len(self.step_times) - 1

    def url(self, board: str, copy: int = 0) -> str:
        """The URL of a board's list or feed in one copy of the sites."""
        prefix = f"/s/{copy}" if copy else ""
        return self.base_url + prefix + _FEED_PATHS[board]

    def advance(self, now: datetime | None = None) -> int:
        """Move every copy to the next step, which began at `now`; return the new step."""
        with self._lock:
            if self.step + 1 >= STEPS:
                raise IndexError(f"the scenario has only {STEPS} steps")
            self.step_times = (*self.step_times, now or datetime.now(UTC))
            return self.step

    def publish(self, item: Item, copy: int = 0) -> Item:
        """Put `item` online on its board of site copy `copy` from now on, newest of its list; return it
        with `published_at` set to the moment the sites began serving it (the clock of `time.time()`)."""
        with self._lock:
            online = replace(item, published_at=datetime.now(UTC))
            self.published[copy] = (*self.published.get(copy, ()), online)
            return online

    def delete(self, target: str, notice: str | None = None, *, listed: bool = False) -> None:
        """From now on `target` ("/bbs/forum.php?mod=viewthread&tid=1001") answers 404, or with the
        board's message page saying `notice` (in the board's charset), and its item leaves its board's
        list and feed as a deleted post does (`listed`: it stays there, only the page changes)."""
        with self._lock:
            self.deleted[target] = notice
            item = _item_of(target)
            if item is not None and not listed:
                self.hidden.add(item)

    def stall(self, target: str, seconds: float) -> None:
        """From now on `target` answers only after `seconds` (longer than a client's timeout)."""
        with self._lock:
            self.stalled[target] = seconds

    def close(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SimulatedSites:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def render(self, target: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for a request target such as "/s/2/weibo/list"."""
        with self._lock:
            self.requests += 1
            step_times = self.step_times
            published = self.published
        parts = urlsplit(target)
        path, copy, prefix = parts.path, 0, ""
        matched = _COPY.match(path)
        if matched:
            copy, path, prefix = int(matched.group(1)), matched.group(2), f"/s/{matched.group(1)}"
        if path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", b"User-agent: *\nAllow: /\n"
        if target in self.deleted:
            return _deleted(path, self.deleted[target])
        if copy >= self.copies or any(path.startswith(p) for p in self.failing):
            return (404 if copy >= self.copies else 503), "text/plain", b"unavailable\n"
        hidden = frozenset((board, ident) for c, board, ident in self.hidden if c == copy)
        view = pages.View(copy, len(step_times) - 1, step_times, prefix, hidden, published.get(copy, ()))
        found = _route(view, self.base_url + prefix, path, parse_qs(parts.query))
        if found is None:
            return 404, "text/plain", b"not found\n"
        return 200, *found


def _item_of(target: str) -> tuple[int, str, int] | None:
    """(copy, board, item id) of a thread or article page's request target, else None."""
    parts = urlsplit(target)
    path, copy = parts.path, 0
    matched = _COPY.match(path)
    if matched:
        copy, path = int(matched.group(1)), matched.group(2)
    board, _, rest = path.strip("/").partition("/")
    tid = parse_qs(parts.query).get("tid", [""])[0]
    if board in _DISCUZ_CHARSET and rest == "forum.php" and tid.isdigit():
        return copy, board, int(tid)
    article = re.fullmatch(r"/(news/article|press|weibo/status)/(\d+)(?:\.html)?", path)
    if article:
        return copy, {"news/article": "news", "press": "press", "weibo/status": "weibo"}[article.group(1)], \
            int(article.group(2))
    return None


def _deleted(path: str, notice: str | None) -> tuple[int, str, bytes]:
    """A deleted page: 404, or its board's notice page with status 200 as forums answer."""
    if notice is None:
        return 404, "text/html; charset=utf-8", b"<html><head><title>404 Not Found</title></head></html>\n"
    board = path.strip("/").partition("/")[0]
    charset = _DISCUZ_CHARSET.get(board, "utf-8")
    return 200, f"text/html; charset={charset}", pages.render_notice(board, notice, charset)


def _route(view: pages.View, base: str, path: str, query: dict[str, list[str]]) -> tuple[str, bytes] | None:
    if path == "/news/rss.xml":
        return "application/rss+xml; charset=utf-8", pages.render_rss(view, base)
    if path == "/press/atom.xml":
        return "application/atom+xml; charset=utf-8", pages.render_atom(view, base)
    if path == "/weibo/list":
        return "text/html; charset=utf-8", pages.render_weibo(view)
    board, _, rest = path.strip("/").partition("/")
    if board in _DISCUZ_CHARSET and rest == "forum.php":
        charset = _DISCUZ_CHARSET[board]
        mode = query.get("mod", [""])[0]
        if mode == "forumdisplay":
            body = pages.render_discuz_list(view, board, charset)
        elif mode == "viewthread" and query.get("tid", [""])[0].isdigit():
            body = pages.render_discuz_thread(view, board, int(query["tid"][0]), charset)
        else:
            return None
        return (f"text/html; charset={charset}", body) if body is not None else None
    article = re.fullmatch(r"/(news/article|press|weibo/status)/(\d+)(?:\.html)?", path)
    if article:
        kind = {"news/article": "news", "press": "press", "weibo/status": "weibo"}[article.group(1)]
        body = pages.render_article(view, kind, int(article.group(2)))
        return ("text/html; charset=utf-8", body) if body is not None else None
    return None


class _Server(ThreadingHTTPServer):
    """socketserver listens with a backlog of 5: a burst of new connections beyond it loses its SYNs
    and waits for the 1 s retransmission. Web servers listen with hundreds (nginx: 511)."""

    request_queue_size = 511


def _handler_for(sites: SimulatedSites) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # headers and body go out in two writes; with Nagle on, a kept-alive connection waits for the
        # client's delayed ACK (40 ms a request on Linux). Web servers set TCP_NODELAY (nginx does).
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            delay = sites.stalled.get(self.path)
            if delay:
                time.sleep(delay)
            try:
                self._answer()
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up waiting (a stalled page): nobody to answer

        def _answer(self) -> None:
            status, content_type, body = sites.render(self.path)
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if status == 200 and sites.etags and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if status == 200 and sites.etags:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the simulator must not fill the demo's output with access lines."""

    return Handler
