"""A real HTTP server on 127.0.0.1 for collector tests: saved fixtures and misbehaving routes.

Routes are functions of the request handler; the misbehaving ones (stall, endless body,
gzip bomb, redirect loop) are generated here, never stored as files.
"""

from __future__ import annotations

import email.utils
import hashlib
import struct
import sys
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Route = Callable[["Handler"], None]


@dataclass
class Seen:
    """One request the site received."""

    path: str
    headers: dict[str, str]
    at: float


@dataclass
class LocalSite:
    """The server, its routes and what it saw; `stop` releases stalled handlers."""

    server: ThreadingHTTPServer
    routes: dict[str, Route] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        """The absolute URL of a path on this site."""
        return self.base + path

    def requests_to(self, path: str) -> list[Seen]:
        """The requests received for `path` (query included)."""
        return [s for s in self.seen if s.path == path]

    def serve(self, path: str, body: bytes, content_type: str, *, validators: bool = True) -> None:
        """Serve fixed bytes, with an ETag and Last-Modified that a conditional GET can match."""
        self.routes[path] = lambda h: h.send_document(body, content_type, validators=validators)


class Handler(BaseHTTPRequestHandler):
    """Dispatches to the site's routes; 404 for anything else."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes; no 40 ms delayed-ACK stalls
    site: LocalSite

    def do_GET(self) -> None:
        self.site.seen.append(Seen(self.path, dict(self.headers), time.monotonic()))
        route = self.site.routes.get(self.path) or self.site.routes.get(self.path.split("?")[0])
        try:
            if route is None:
                self.send_simple(404, b"not found")
            else:
                route(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client stopped reading on purpose (size cap, timeout)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_simple(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        """A complete answer with a Content-Length."""
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_document(self, body: bytes, content_type: str, *, validators: bool = True) -> None:
        """200 with the body, or 304 when the request's validators match."""
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        modified = email.utils.formatdate(1795200000, usegmt=True)
        if validators and (self.headers.get("If-None-Match") == etag
                           or self.headers.get("If-Modified-Since") == modified):
            self.send_simple(304, headers={"ETag": etag})
            return
        headers = {"Content-Type": content_type}
        if validators:
            headers |= {"ETag": etag, "Last-Modified": modified}
        self.send_simple(200, body, headers)


class QuietServer(ThreadingHTTPServer):
    """A threaded server that does not print clients hanging up on purpose."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


def start_site() -> LocalSite:
    """Start a site on a free port of 127.0.0.1."""
    handler = type("BoundHandler", (Handler,), {})
    server = QuietServer(("127.0.0.1", 0), handler)
    site = LocalSite(server)
    handler.site = site
    threading.Thread(target=server.serve_forever, args=(0.05,), name="local-site", daemon=True).start()
    return site


def stop_site(site: LocalSite) -> None:
    """Release stalled handlers and stop the server."""
    site.stop.set()
    site.server.shutdown()
    site.server.server_close()


# --- misbehaving routes ---------------------------------------------------------------


def stall(seconds: float) -> Route:
    """Accept the request, then say nothing for `seconds`."""
    return lambda h: h.site.stop.wait(seconds)


def drip(seconds: float) -> Route:
    """Send headers, then one byte every half second for `seconds` (read timeouts never fire)."""

    def route(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("Content-Length", "1000000")
        h.end_headers()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not h.site.stop.wait(0.5):
            h.wfile.write(b" ")
            h.wfile.flush()

    return route


def endless(total: int, chunk: int = 1 << 16) -> Route:
    """A body of `total` bytes streamed without a Content-Length (close-delimited)."""

    def route(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("Connection", "close")
        h.end_headers()
        h.close_connection = True
        block = b"<!-- " + b"x" * (chunk - 9) + b" -->\n"
        sent = 0
        while sent < total and not h.site.stop.is_set():
            h.wfile.write(block)
            sent += len(block)

    return route


def gzip_bomb(size_mib: int = 1024) -> Route:
    """About 1 MB of gzip that expands to 1 GiB of zeros (built now, not during the request)."""
    body = _gzip_bomb(size_mib)
    return lambda h: h.send_simple(200, body, {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"})


@cache
def _gzip_bomb(size_mib: int) -> bytes:
    """Full-flush deflate blocks repeat byte for byte, so the bomb is one block many times."""
    chunk = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(size_mib):
        crc = zlib.crc32(chunk, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    return header + block * size_mib + tail + struct.pack("<II", crc, (size_mib << 20) & 0xFFFFFFFF)


def status(code: int, headers: dict[str, str] | None = None) -> Route:
    """Always answer `code`."""
    return lambda h: h.send_simple(code, f"status {code}".encode(), headers)


def redirect_to(path: str) -> Route:
    """A 302 to `path` (itself, for a loop)."""
    return lambda h: h.send_simple(302, headers={"Location": path})


def then(*routes: Route) -> Route:
    """Answer with each route in turn, the last one for good."""
    calls = iter(routes[:-1])

    def route(h: Handler) -> None:
        (next(calls, None) or routes[-1])(h)

    return route
