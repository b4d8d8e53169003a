"""Alerting stage: email over SMTP (STARTTLS, SSL or plain), HTML + plain text, inline CID images.

Credentials come from the environment variables the channel names (`username_env`,
`password_env`); certificates are verified (a private CA via `ca_file`).
"""

from __future__ import annotations

import os
import smtplib
import ssl
import time
from email.message import EmailMessage
from html import escape
from typing import Any

from yuqing.alerts.channels.base import SendResult, TextMessage
from yuqing.alerts.email_message import build_message
from yuqing.alerts.render import render_email
from yuqing.config.errors import DeliveryError
from yuqing.config.settings import ChannelSettings

DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


def send(channel: ChannelSettings, payloads: list[dict[str, Any]], *, client: object = None) -> SendResult:
    """Send alerts as one email (several → one merged email)."""
    subject, html, text = render_email(payloads)
    message_id = f"<{payloads[0]['id']}@yuqing>" if len(payloads) == 1 else None
    return deliver(channel, build_message(subject, channel.sender or "", channel.to, html, text,
                                          message_id=message_id))


def send_text(channel: ChannelSettings, message: TextMessage, *, client: object = None) -> SendResult:
    """Send a text we wrote as an email: the markdown as the plain part, preformatted in the HTML."""
    html = f"<pre style=\"font-family:inherit;white-space:pre-wrap\">{escape(message.markdown)}</pre>"
    return deliver(channel, build_message(message.title, channel.sender or "", channel.to, html, message.markdown))


def deliver(channel: ChannelSettings, message: EmailMessage) -> SendResult:
    """Send a ready-made message (alerts, texts and the digest all come here) to the channel's
    recipients; not ok when any is refused.

    Raises smtplib.SMTPException or OSError when the server cannot be reached or says no;
    `alerts.channels.send_email` turns those into a failed SendResult.
    """
    started = time.monotonic()
    with connect(channel) as smtp:
        refused = smtp.send_message(message, to_addrs=list(channel.to) or None)
    ms = int((time.monotonic() - started) * 1000)
    note = f"accepted by {channel.smtp_host} for {len(channel.to) - len(refused)} of {len(channel.to)}"
    if refused:
        return SendResult(False, 250, note, f"refused: {', '.join(sorted(refused))}", ms)
    return SendResult(True, 250, note, None, ms)


def connect(channel: ChannelSettings) -> smtplib.SMTP:
    """An SMTP connection to the channel's server, secured and logged in as configured."""
    host = channel.smtp_host or ""
    port = channel.smtp_port or DEFAULT_PORTS[channel.security]
    timeout = channel.timeout.total_seconds()
    # Not base.tls_context: httpcore sets ALPN "http/1.1" on the contexts it is given.
    context = ssl.create_default_context(cafile=channel.ca_file)
    if channel.security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        smtp.ehlo()
        if channel.security == "starttls":
            smtp.starttls(context=context)
            smtp.ehlo()
        _login(smtp, channel)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _login(smtp: smtplib.SMTP, channel: ChannelSettings) -> None:
    if not channel.username_env:
        return
    user, password = os.environ.get(channel.username_env), os.environ.get(channel.password_env or "")
    if not user or password is None:
        raise DeliveryError(
            f"channel {channel.name!r}: {channel.username_env} or {channel.password_env} is not set"
        )
    smtp.login(user, password)
