"""The digest as an email: HTML with inline CID charts plus a plain-text part (pure, no I/O).

Structure: multipart/alternative [text/plain, multipart/related [text/html, image/png …]].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.utils import make_msgid

from yuqing.alerts.digest.model import DigestData
from yuqing.alerts.digest.render import content_ids, format_share, render_html, render_markdown
from yuqing.alerts.email_message import build_message


def digest_subject(data: DigestData) -> str:
    """"舆情日报 2026-11-21:相关 120 条,负面 31 条(25.8%)"."""
    t = data.today
    return (f"舆情日报 {data.day.isoformat()}:相关 {t.relevant:,} 条,负面 {t.negative:,} 条"
            f"({format_share(t.negative_share)})")


def build_digest_email(
    data: DigestData, html: str, text: str, images: Mapping[str, bytes], sender: str, to: Sequence[str],
    attachments: Mapping[str, bytes] | None = None,
) -> EmailMessage:
    """The email of the digest; `html` refers to each chart as `cid:` + content_ids(data, images)[name];
    `attachments` (file name → bytes) go along as files."""
    cids = content_ids(data, images)
    return build_message(
        digest_subject(data), sender, to, html, text, {cid: images[name] for name, cid in cids.items()},
        names={cid: name for name, cid in cids.items()}, date=data.generated_at,
        message_id=make_msgid(idstring=f"digest-{data.day.isoformat()}", domain="yuqing"),
        attachments=attachments)


def compose_digest_email(
    data: DigestData, images: Mapping[str, bytes], sender: str, to: Sequence[str],
    attachments: Mapping[str, bytes] | None = None,
) -> EmailMessage:
    """Render the digest for email (charts by CID, Markdown as the text part) and build the message,
    with `attachments` (the 日报 .docx when there is one)."""
    refs = {name: f"cid:{cid}" for name, cid in content_ids(data, images).items()}
    return build_digest_email(data, render_html(data, refs), render_markdown(data), images, sender, to,
                              attachments)
