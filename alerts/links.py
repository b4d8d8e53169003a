"""Alerting stage, pure: signed, expiring console links for alerts and digest items (docs/spec.md §11).

`sign_link` makes `<base_url>go/<kind>/<id>?exp=<unix>&sig=<hex>`; the console checks it with
`verify_link`. HMAC-SHA256 with the `[web] secret_env` secret; nothing to store.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from urllib.parse import urlencode

from yuqing.config.settings import Settings

KINDS = ("story", "incident")


def link_signature(secret: str, kind: str, target_id: int, expires: int) -> str:
    """The hex HMAC of one link's kind, id and expiry."""
    message = f"link\0{kind}\0{target_id}\0{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign_link(base_url: str, secret: str, kind: str, target_id: int, expires_at: datetime) -> str:
    """The absolute signed URL of a story or incident page, valid until `expires_at`."""
    if kind not in KINDS:
        raise ValueError(f"unknown link kind {kind!r}")
    expires = int(expires_at.timestamp())
    query = urlencode({"exp": expires, "sig": link_signature(secret, kind, target_id, expires)})
    return f"{base_url.rstrip('/')}/go/{kind}/{target_id}?{query}"


def verify_link(secret: str, kind: str, target_id: int, expires: str, signature: str, now: datetime) -> str | None:
    """None when the link is genuine and unexpired; otherwise why it is refused."""
    if kind not in KINDS or not expires.isdigit():
        return "链接无效"
    expected = link_signature(secret, kind, target_id, int(expires))
    if not hmac.compare_digest(expected, signature):
        return "链接签名无效(可能被改动)"
    if int(expires) <= now.timestamp():
        return "链接已过期"
    return None


def console_link(settings: Settings, now: datetime, *, story_id: int | None = None,
                 incident_id: int | None = None) -> str | None:
    """The signed console URL of the incident (else the story), or None without `[web] base_url` and secret."""
    web = settings.web
    secret = web.secret() if web is not None else None
    if web is None or not web.base_url or not secret:
        return None
    kind, target = ("incident", incident_id) if incident_id is not None else ("story", story_id)
    if target is None:
        return None
    return sign_link(web.base_url, secret, kind, target, now + web.link_ttl)
