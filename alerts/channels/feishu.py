"""Alerting stage: Feishu (飞书) custom bot — interactive card, signed when a secret is set.

Signature ("签名校验"): timestamp in seconds; sign = base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}",
msg=b"")), both in the JSON body. `code` ≠ 0 is a failure even with HTTP 200 (19021: bad
signature or timestamp); older deployments answer `StatusCode`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

import httpx

from yuqing.alerts.channels.base import SendResult, TextMessage, channel_url, post_bot
from yuqing.alerts.render import render_card
from yuqing.config.settings import ChannelSettings


def sign(secret: str, timestamp_s: int) -> str:
    """The base64 signature Feishu checks."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def send(channel: ChannelSettings, payloads: list[dict[str, Any]], *, client: httpx.Client) -> SendResult:
    """Send alerts as one interactive card."""
    return send_card(channel, render_card(payloads), client=client)


def send_text(channel: ChannelSettings, message: TextMessage, *, client: httpx.Client) -> SendResult:
    """Send a text we wrote as a card with one lark_md block."""
    return send_card(channel, markdown_card(message.title, message.markdown), client=client)


def markdown_card(title: str, markdown: str) -> dict[str, Any]:
    """A card with one lark_md block, for summaries we wrote ourselves (already escaped)."""
    return {"config": {"wide_screen_mode": True},
            "header": {"title": {"tag": "plain_text", "content": title}, "template": "blue"},
            "elements": [{"tag": "div", "text": {"tag": "lark_md", "content": markdown}}]}


def send_card(channel: ChannelSettings, card: dict[str, Any], *, client: httpx.Client) -> SendResult:
    """POST {"msg_type": "interactive", "card": …} (+ timestamp and sign) and read `code`."""
    body: dict[str, Any] = {"msg_type": "interactive", "card": card}
    secret = channel.secret()
    if secret:
        timestamp = int(time.time())
        body = {"timestamp": str(timestamp), "sign": sign(secret, timestamp), **body}
    return post_bot(client, channel, channel_url(channel), body, ("code", "StatusCode"))
