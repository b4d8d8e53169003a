"""Web console plumbing without I/O: CSRF tokens bound to a session, safe redirect targets, and the
security headers every answer carries (CSP without inline script, frames denied)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

SESSION_COOKIE = "yuqing_session"
PRE_COOKIE = "yuqing_pre"  # binds the login form's CSRF token before there is a session
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]


def csrf_token(secret: str, binding: str) -> str:
    """The synchronizer token of one session (or pre-login cookie): HMAC of its id hash."""
    return hmac.new(secret.encode(), f"csrf\0{binding}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: str, binding: str | None, sent: str | None) -> bool:
    """Whether the token sent with a state-changing request belongs to this session."""
    return bool(binding and sent) and hmac.compare_digest(csrf_token(secret, binding or ""), sent or "")


def pre_binding(pre_cookie: str) -> str:
    """What the pre-login token is bound to (the cookie's hash, like a session's)."""
    return hashlib.sha256(f"pre\0{pre_cookie}".encode()).hexdigest()


def safe_next(target: str | None) -> str:
    """A local path to go to after login; anything pointing elsewhere becomes the start page."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc else target


def is_http_url(url: str | None) -> bool:
    """Only http(s) links are made clickable."""
    return bool(url) and urlsplit(url or "").scheme in ("http", "https")


class SecurityHeaders:
    """ASGI middleware adding the security headers (and no-store on pages) to every HTTP answer; an
    answer that sets its own, stricter Content-Security-Policy (the digest view) keeps it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                own_csp = any(name == b"content-security-policy" for name, _ in headers)
                headers += [h for h in HEADERS if not (own_csp and h[0] == b"content-security-policy")]
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
