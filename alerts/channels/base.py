"""Alerting stage: what every channel returns, and the HTTP plumbing the bot channels share.

A request in, a `SendResult` out: status code, an excerpt of the answer, and why it failed.
URLs in results are redacted (bot URLs carry their key in the query string).
"""

from __future__ import annotations

import json
import ssl
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx

from yuqing.config.errors import DeliveryError
from yuqing.config.settings import ChannelSettings

EXCERPT = 500


@dataclass(frozen=True)
class TextMessage:
    """A short text we wrote ourselves (web text in it already escaped), for any channel.

    `heading` is the markdown with the title as a heading (bots); `document` the JSON form
    {"event", "id", "title", "text", …} (webhook, log).
    """

    title: str
    markdown: str
    heading: str
    document: dict[str, Any]


@dataclass(frozen=True)
class SendResult:
    """The outcome of one attempt: ok, HTTP status, an excerpt of the answer, the error text."""

    ok: bool
    status_code: int | None = None
    response: str | None = None
    error: str | None = None
    duration_ms: int | None = None


def excerpt(text: str | bytes | None, limit: int = EXCERPT) -> str | None:
    """At most `limit` characters of an answer, for the delivery record."""
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def channel_url(channel: ChannelSettings) -> str:
    """The channel's endpoint; DeliveryError when `url_env` names an unset variable."""
    url = channel.resolved_url()
    if not url:
        raise DeliveryError(f"channel {channel.name!r} has no URL (is {channel.url_env} set?)")
    return url


@cache
def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """A verifying TLS context (system CAs, or `ca_file`), built once: building one costs ~0.1 s."""
    return ssl.create_default_context(cafile=ca_file)


def make_client(channel: ChannelSettings) -> httpx.Client:
    """An HTTP client for one channel: its timeout, its CA file when set, no redirects."""
    return httpx.Client(timeout=channel.timeout.total_seconds(), verify=tls_context(channel.ca_file),
                        follow_redirects=False, headers={"User-Agent": "yuqing-alerts/0.1"})


def encode_json(body: dict[str, Any]) -> bytes:
    """The exact bytes sent: compact JSON, UTF-8, Chinese kept as is."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def post_bytes(
    client: httpx.Client,
    channel: ChannelSettings,
    url: str,
    data: bytes,
    headers: dict[str, str] | None = None,
) -> tuple[httpx.Response, int]:
    """POST JSON bytes with the channel's timeout; return the response and the milliseconds taken."""
    started = time.monotonic()
    response = client.post(
        url, content=data, timeout=channel.timeout.total_seconds(),
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )
    return response, int((time.monotonic() - started) * 1000)


def judge_bot_answer(response: httpx.Response, ms: int, code_keys: tuple[str, ...]) -> SendResult:
    """A bot's answer: ok only for HTTP 2xx with JSON whose error code (first key found) is 0."""
    text = excerpt(response.text)
    if not response.is_success:
        return SendResult(False, response.status_code, text, f"HTTP {response.status_code}", ms)
    try:
        answer = response.json()
    except ValueError:
        return SendResult(False, response.status_code, text, "answer is not JSON", ms)
    for key in code_keys:
        if isinstance(answer, dict) and key in answer:
            code = answer[key]
            if code in (0, "0"):
                return SendResult(True, response.status_code, text, None, ms)
            message = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or ""
            return SendResult(False, response.status_code, text, f"{key} {code}: {message}", ms)
    return SendResult(False, response.status_code, text, f"answer has none of {', '.join(code_keys)}", ms)


def post_bot(client: httpx.Client, channel: ChannelSettings, url: str, body: dict[str, Any],
             code_keys: tuple[str, ...]) -> SendResult:
    """POST a JSON body to a chat bot and judge its answer by the first of `code_keys` it carries."""
    response, ms = post_bytes(client, channel, url, encode_json(body))
    return judge_bot_answer(response, ms, code_keys)
