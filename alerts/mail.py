"""Email delivery of a ready-made message (the digest) through an email channel's SMTP server.

The sending is the alerts email channel's (`alerts.channels.email.deliver`), so alerts and the
digest reach the mail server the same way; here failures become DeliveryError for the digest job.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from yuqing.alerts.channels.email import DEFAULT_PORTS, deliver
from yuqing.config.errors import DeliveryError
from yuqing.config.settings import ChannelSettings


def send_email(channel: ChannelSettings, message: EmailMessage) -> None:
    """Send `message` to the channel's recipients; DeliveryError says why when it cannot."""
    where = f"{channel.smtp_host}:{channel.smtp_port or DEFAULT_PORTS[channel.security]}"
    try:
        result = deliver(channel, message)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"email channel {channel.name!r} via {where}: {exc}") from exc
    if not result.ok:
        raise DeliveryError(f"email channel {channel.name!r} via {where}: {result.error}")
