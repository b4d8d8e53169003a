"""Alerting stage: every channel behind three calls — alerts, a short text, an email — each
returning a `SendResult` (delivery failures are results, not exceptions).

    send_alerts(channel, payloads)          one alert, or a merged burst
    send_text(channel, title, markdown)     a summary we wrote (e.g. the digest's) to any channel
    send_email(channel, message)            a ready-made MIME message (the digest) to an email channel

Each channel module offers `send(channel, payloads, client=…)` and `send_text(channel, message,
client=…)`; nothing here branches on the channel kind beyond picking the module.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from types import ModuleType
from typing import Any

import httpx

from yuqing.alerts.channels import dingtalk, email, feishu, log, webhook, wecom
from yuqing.alerts.channels.base import SendResult, TextMessage, make_client
from yuqing.alerts.escaping import escape_markdown
from yuqing.alerts.payload import alert_uid
from yuqing.config.errors import DeliveryError
from yuqing.config.redact import redact_endpoint
from yuqing.config.settings import ChannelSettings

HTTP_KINDS = ("webhook", "wecom", "dingtalk", "feishu")
MODULES: dict[str, ModuleType] = {
    "webhook": webhook, "wecom": wecom, "dingtalk": dingtalk, "feishu": feishu, "email": email, "log": log,
}
# What a channel can fail with: transport errors, SMTP refusals, files, and our own DeliveryError.
FAILURES = (httpx.HTTPError, smtplib.SMTPException, OSError, DeliveryError)

__all__ = ["SendResult", "send_alerts", "send_email", "send_text"]


def _guarded(channel: ChannelSettings, client: httpx.Client | None,
             action: Callable[[httpx.Client | None], SendResult]) -> SendResult:
    own = client is None and channel.kind in HTTP_KINDS
    http = make_client(channel) if own else client
    try:
        return action(http)
    except FAILURES as exc:
        return SendResult(False, None, None, describe_failure(exc, channel))
    finally:
        if own and http is not None:
            http.close()


def describe_failure(exc: BaseException, channel: ChannelSettings) -> str:
    """"ConnectError: …" with the channel URL (it may carry a key) redacted."""
    text = f"{type(exc).__name__}: {exc}"
    url = channel.resolved_url()
    return text.replace(url, redact_endpoint(url)) if url else text


def send_alerts(
    channel: ChannelSettings, payloads: list[dict[str, Any]], *, client: httpx.Client | None = None
) -> SendResult:
    """Deliver docs/spec.md §9 payloads through the channel: one message (several payloads → merged)."""
    return _guarded(channel, client, lambda http: MODULES[channel.kind].send(channel, payloads, client=http))


def send_text(
    channel: ChannelSettings,
    title: str,
    markdown: str,
    *,
    client: httpx.Client | None = None,
    event: str = "digest.ready",
    extra: dict[str, Any] | None = None,
) -> SendResult:
    """Send a short markdown text we wrote ourselves (escape web text in it first) to any channel.

    Bots get markdown (Feishu: a lark_md card), email gets it as plain text, webhook and log get
    {"event", "id", "title", "text", **extra}; `id` defaults to one derived from event and title,
    so a repeat of the same digest carries the same id.
    """
    document = {"event": event, "id": alert_uid(f"{event}:{title}"), "title": title, "text": markdown,
                **(extra or {})}
    message = TextMessage(title, markdown, f"### {escape_markdown(title)}\n{markdown}", document)
    return _guarded(channel, client, lambda http: MODULES[channel.kind].send_text(channel, message, client=http))


def send_email(channel: ChannelSettings, message: EmailMessage) -> SendResult:
    """Send a ready-made message through an `email` channel (`alerts.email_message.build_message`)."""
    if channel.kind != "email":
        raise ValueError(f"channel {channel.name!r} is a {channel.kind} channel, not email")
    return _guarded(channel, None, lambda _http: email.deliver(channel, message))
