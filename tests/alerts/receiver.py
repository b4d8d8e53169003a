"""A real HTTP receiver on 127.0.0.1 that plays a webhook, WeCom, DingTalk or Feishu bot.

It checks signatures the way each platform documents them (written here from the platform
documentation, independently of the code under test), answers the platform's success or
error bodies, can fail on purpose or answer slowly, and records what it accepted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

OK_ANSWERS = {
    "webhook": (200, {"ok": True}),
    "wecom": (200, {"errcode": 0, "errmsg": "ok"}),
    "dingtalk": (200, {"errcode": 0, "errmsg": "ok"}),
    "feishu": (200, {"code": 0, "msg": "success", "data": {}}),
}


@dataclass
class Received:
    """One accepted request."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Receiver:
    """Configure `kind`, `secret`, then `fail`/`answer`/`delay` as the test needs."""

    kind: str = "webhook"
    secret: str | None = None
    fail: bool = False
    answer: tuple[int, dict[str, Any]] | None = None  # a forced answer (e.g. an errcode body)
    delay: float = 0.0
    refuse: Callable[[Any], bool] | None = None  # refuse (HTTP 503) the bodies this picks
    accepted: list[Received] = field(default_factory=list)
    attempts: int = 0
    rejected: list[str] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver.handle(self)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hook?key=SECRET-KEY-123"

    def jsons(self) -> list[Any]:
        return [r.json for r in self.accepted]

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        body = request.rfile.read(int(request.headers.get("Content-Length", 0)))
        with self.lock:
            self.attempts += 1
        self.arrived.set()
        if self.delay:
            time.sleep(self.delay)
            if _peer_gone(request.connection):
                return  # the sender died before our answer: not delivered
        parts = urlsplit(request.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        problem = self.verify(query, dict(request.headers), body)
        refused = self.refuse is not None and self.refuse(json.loads(body))
        status, answer = (503, {"error": "refused"}) if refused else self.decide(problem)
        if status == 200 and problem is None and not self.fail and self.answer is None:
            with self.lock:
                self.accepted.append(Received(parts.path, query, dict(request.headers), body))
        data = json.dumps(answer).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    def decide(self, problem: str | None) -> tuple[int, dict[str, Any]]:
        if self.answer is not None:
            return self.answer
        if self.fail:
            return 503, {"error": "receiver down"}
        if problem is not None:
            self.rejected.append(problem)
            return {
                "dingtalk": (200, {"errcode": 310000, "errmsg": problem}),
                "feishu": (200, {"code": 19021, "data": {}, "msg": problem}),
            }.get(self.kind, (401, {"error": problem}))
        return OK_ANSWERS[self.kind]

    def verify(self, query: dict[str, str], headers: dict[str, str], body: bytes) -> str | None:
        if not self.secret:
            return None
        secret = self.secret.encode()
        if self.kind == "webhook":
            expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
            return None if headers.get("X-Yuqing-Signature") == expected else "bad X-Yuqing-Signature"
        if self.kind == "dingtalk":
            # timestamp (ms) + "\n" + secret, HmacSHA256 keyed by the secret, Base64, then urlEncode;
            # parse_qs has undone the urlEncode once.
            timestamp = query.get("timestamp", "0")
            string_to_sign = f"{timestamp}\n{self.secret}".encode()
            expected = base64.b64encode(hmac.new(secret, string_to_sign, hashlib.sha256).digest()).decode()
            if abs(time.time() * 1000 - int(timestamp)) > 3600 * 1000:
                return "invalid timestamp"
            return None if query.get("sign") == expected else "sign not match"
        if self.kind == "feishu":
            # HmacSHA256 keyed by timestamp (s) + "\n" + secret over an empty message, Base64, in the body.
            document = json.loads(body)
            timestamp = str(document.get("timestamp", "0"))
            key = f"{timestamp}\n{self.secret}".encode()
            expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            if abs(time.time() - int(timestamp)) > 3600 or document.get("sign") != expected:
                return "sign match fail or timestamp is not within one hour from current time"
            return None
        return None


def _peer_gone(connection: socket.socket) -> bool:
    readable, _, _ = select.select([connection], [], [], 0)
    if not readable:
        return False
    try:
        return connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True
