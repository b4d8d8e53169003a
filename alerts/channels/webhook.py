"""Alerting stage: the generic webhook — docs/spec.md §9 JSON, signed with X-Yuqing-Signature when a secret is set."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import httpx

from yuqing.alerts.channels.base import SendResult, TextMessage, channel_url, encode_json, excerpt, post_bytes
from yuqing.config.settings import ChannelSettings

SIGNATURE_HEADER = "X-Yuqing-Signature"


def sign(secret: str, body: bytes) -> str:
    """"sha256=<hex>" — HMAC-SHA256 of the exact body bytes with the channel secret."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def body_for(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    """One payload as is; a merged burst as {"event": "batch", "id", "count", "alerts": [...]}."""
    if len(payloads) == 1:
        return payloads[0]
    return {"event": "batch", "id": "batch:" + payloads[0]["id"], "count": len(payloads), "alerts": payloads}


def send(channel: ChannelSettings, payloads: list[dict[str, Any]], *, client: httpx.Client) -> SendResult:
    """POST the payload (or the merged batch); any 2xx is delivered."""
    return post_signed(channel, body_for(payloads), client=client)


def send_text(channel: ChannelSettings, message: TextMessage, *, client: httpx.Client) -> SendResult:
    """POST a text we wrote as its JSON document {"event", "id", "title", "text", …}."""
    return post_signed(channel, message.document, client=client)


def post_signed(channel: ChannelSettings, body: dict[str, Any], *, client: httpx.Client) -> SendResult:
    """POST a JSON body with X-Yuqing-Event/-Id headers and the signature of its exact bytes."""
    data = encode_json(body)
    headers = {"X-Yuqing-Event": str(body.get("event")), "X-Yuqing-Id": str(body.get("id"))}
    secret = channel.secret()
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, data)
    response, ms = post_bytes(client, channel, channel_url(channel), data, headers)
    ok = response.is_success
    return SendResult(ok, response.status_code, excerpt(response.text),
                      None if ok else f"HTTP {response.status_code}", ms)
