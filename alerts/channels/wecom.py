"""Alerting stage: WeCom (企业微信) group bot — markdown message; `errcode` ≠ 0 is a failure.

Request format: POST {"msgtype": "markdown", "markdown": {"content": …}} to the bot's
webhook URL (its key in the query string); content is at most 4096 bytes of UTF-8.
"""

from __future__ import annotations

from typing import Any

import httpx

from yuqing.alerts.channels.base import SendResult, TextMessage, channel_url, post_bot
from yuqing.alerts.render import render_markdown
from yuqing.config.settings import ChannelSettings

MAX_BYTES = 4096


def fit(text: str, limit: int = MAX_BYTES) -> str:
    """Cut markdown to `limit` UTF-8 bytes at a line end, marking the cut."""
    if len(text.encode("utf-8")) <= limit:
        return text
    marker = "\n…(内容过长已截断, 详见 yuqing incidents)"
    budget = limit - len(marker.encode("utf-8"))
    kept = text.encode("utf-8")[:budget].decode("utf-8", "ignore")
    return kept.rsplit("\n", 1)[0] + marker


def send(channel: ChannelSettings, payloads: list[dict[str, Any]], *, client: httpx.Client) -> SendResult:
    """Send alerts as one markdown message."""
    _, text = render_markdown(payloads, colour=True)
    return send_markdown(channel, text, client=client)


def send_text(channel: ChannelSettings, message: TextMessage, *, client: httpx.Client) -> SendResult:
    """Send a text we wrote as one markdown message under its title."""
    return send_markdown(channel, message.heading, client=client)


def send_markdown(channel: ChannelSettings, text: str, *, client: httpx.Client) -> SendResult:
    """POST a markdown message (already escaped) and read the bot's errcode."""
    body = {"msgtype": "markdown", "markdown": {"content": fit(text)}}
    return post_bot(client, channel, channel_url(channel), body, ("errcode",))
