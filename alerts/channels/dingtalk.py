"""Alerting stage: DingTalk (钉钉) custom bot — markdown message, signed when a secret is set.

Signature ("加签"): timestamp in milliseconds; sign = urlencode(base64(HMAC-SHA256(key=secret,
msg=f"{timestamp}\\n{secret}"))), both added to the webhook URL's query. `errcode` ≠ 0 is a
failure even with HTTP 200 (310000: bad signature or timestamp).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any
from urllib.parse import quote_plus

import httpx

from yuqing.alerts.channels.base import SendResult, TextMessage, channel_url, post_bot
from yuqing.alerts.channels.wecom import fit
from yuqing.alerts.render import render_markdown
from yuqing.config.settings import ChannelSettings

MAX_BYTES = 18000


def sign(secret: str, timestamp_ms: int) -> str:
    """The URL-encoded signature DingTalk checks."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode("ascii"))


def signed_url(url: str, secret: str | None, timestamp_ms: int) -> str:
    """The webhook URL with `timestamp` and `sign` appended when a secret is set."""
    if not secret:
        return url
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={sign(secret, timestamp_ms)}"


def send(channel: ChannelSettings, payloads: list[dict[str, Any]], *, client: httpx.Client) -> SendResult:
    """Send alerts as one markdown message."""
    title, text = render_markdown(payloads, colour=False)
    return send_markdown(channel, title, text, client=client)


def send_text(channel: ChannelSettings, message: TextMessage, *, client: httpx.Client) -> SendResult:
    """Send a text we wrote as one markdown message under its title."""
    return send_markdown(channel, message.title, message.heading, client=client)


def send_markdown(channel: ChannelSettings, title: str, text: str, *, client: httpx.Client) -> SendResult:
    """POST a markdown message (already escaped) and read the bot's errcode."""
    body = {"msgtype": "markdown", "markdown": {"title": title, "text": fit(text, MAX_BYTES)}}
    url = signed_url(channel_url(channel), channel.secret(), int(time.time() * 1000))
    return post_bot(client, channel, url, body, ("errcode",))
