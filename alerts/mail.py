"""Email delivery of a ready-made message (the digest) through an email channel's SMTP server.

The connection (STARTTLS/SSL, private CA, login from the environment) is the alerts email
channel's, so alerts and the digest reach the mail server the same way.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from alerts.channels.email import DEFAULT_PORTS, connect
from config.errors import DeliveryError
from config.settings import ChannelSettings


def send_email(channel: ChannelSettings, message: EmailMessage) -> None:
    """Send `message` to the channel's recipients; DeliveryError says why when it cannot."""
    where = f"{channel.smtp_host}:{channel.smtp_port or DEFAULT_PORTS[channel.security]}"
    try:
        with connect(channel) as smtp:
            refused = smtp.send_message(message, to_addrs=list(channel.to) or None)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"email channel {channel.name!r} via {where}: {exc}") from exc
    if refused:
        raise DeliveryError(f"email channel {channel.name!r} via {where}: refused {', '.join(sorted(refused))}")
