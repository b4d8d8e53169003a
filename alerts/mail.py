"""Email delivery: one `EmailMessage` out through a channel's SMTP server (smtplib).

Credentials come from the environment variables the channel names, never from the file.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage

from config.errors import DeliveryError
from config.settings import ChannelSettings

DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


def send_email(channel: ChannelSettings, message: EmailMessage) -> None:
    """Send `message` to the channel's recipients; DeliveryError says why when it cannot."""
    host = channel.smtp_host or "localhost"
    port = channel.smtp_port or DEFAULT_PORTS[channel.security]
    timeout = channel.timeout.total_seconds()
    user = os.environ.get(channel.username_env) if channel.username_env else None
    password = os.environ.get(channel.password_env) if channel.password_env else None
    try:
        smtp: smtplib.SMTP
        if channel.security == "ssl":
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if channel.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if user and password:
                smtp.login(user, password)
            smtp.send_message(message, to_addrs=list(channel.to) or None)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"email channel {channel.name!r} via {host}:{port}: {exc}") from exc
