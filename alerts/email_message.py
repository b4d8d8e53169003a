"""Alerting stage, email messages: subject, text, HTML and inline images → one MIME message.

Pure (no I/O). Alerts and the digest both go out as multipart/alternative [text/plain,
multipart/related [text/html, image …]], the HTML referring to each image as "cid:ID"; with
attachments (the 日报 as .docx) that becomes the first part of a multipart/mixed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from mimetypes import guess_type

from yuqing.alerts.escaping import one_line


def image_subtype(data: bytes) -> str:
    """png, jpeg, gif or svg+xml, from the first bytes."""
    if data.startswith(b"\x89PNG"):
        return "png"
    if data.startswith(b"\xff\xd8"):
        return "jpeg"
    if data.startswith(b"GIF8"):
        return "gif"
    return "svg+xml" if b"<svg" in data[:512] else "png"


def build_message(
    subject: str,
    sender: str,
    to: Sequence[str],
    html: str,
    text: str,
    images: Mapping[str, bytes] | None = None,
    *,
    names: Mapping[str, str] | None = None,
    date: datetime | None = None,
    message_id: str | None = None,
    attachments: Mapping[str, bytes] | None = None,
) -> EmailMessage:
    """The message; `images` maps Content-ID → bytes, each attached inline as `names[cid]` (or
    the Content-ID) with its type's extension; `attachments` maps file name → bytes, each
    attached as a file of the type its extension names."""
    message = EmailMessage()
    message["Subject"] = one_line(subject, 200)
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = format_datetime(date or datetime.now(UTC))
    message["Message-ID"] = message_id or make_msgid(domain="yuqing")
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    html_part = message.get_payload()[1]
    for cid, data in (images or {}).items():
        subtype = image_subtype(data)
        html_part.add_related(data, maintype="image", subtype=subtype, cid=f"<{cid}>", disposition="inline",
                              filename=f"{(names or {}).get(cid, cid)}.{subtype.split('+')[0]}")
    for filename, data in (attachments or {}).items():
        maintype, subtype = (guess_type(filename)[0] or "application/octet-stream").split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message
