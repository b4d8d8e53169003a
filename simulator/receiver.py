"""A local webhook receiver on 127.0.0.1: records every POSTed JSON body with its headers.

Used by the demo, the soak benchmark and end-to-end tests in place of a chat bot.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass
class Received:
    """One request the receiver got: path, headers, the parsed JSON body (None if not JSON)."""

    path: str
    headers: dict[str, str]
    body: bytes
    json: Any = None
    at: float = field(default_factory=time.time)


class WebhookReceiver:
    """An HTTP server that answers 200 to every POST and keeps what it got, in order."""

    def __init__(self) -> None:
        self._received: list[Received] = []
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,), name="webhook-receiver", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """The URL to configure as a webhook channel."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/hook"

    def received(self) -> list[Received]:
        """Every request so far, oldest first."""
        with self._changed:
            return list(self._received)

    def wait_for(self, count: int, timeout: float) -> list[Received]:
        """Wait until at least `count` requests arrived (or the timeout passed); return them all."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._received) < count and (left := deadline - time.monotonic()) > 0:
                self._changed.wait(left)
            return list(self._received)

    def record(self, item: Received) -> None:
        """Keep one request and wake up waiters."""
        with self._changed:
            self._received.append(item)
            self._changed.notify_all()

    def close(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> WebhookReceiver:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _handler_for(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                parsed = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                parsed = None
            receiver.record(Received(self.path, dict(self.headers.items()), body, parsed))
            answer = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: requests are recorded, not logged."""

    return Handler
