"""The one MIME shape of alerts and the digest: text, then HTML with its images inline by Content-ID."""

from __future__ import annotations

from datetime import UTC, datetime

from yuqing.alerts.email_message import build_message, image_subtype

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def test_text_then_html_with_related_inline_images() -> None:
    message = build_message("舆情日报\n2026-11-21", "yuqing@example.cn", ["a@example.cn", "b@example.cn"],
                            '<p>图</p><img src="cid:c1@yuqing">', "图", {"c1@yuqing": PNG},
                            names={"c1@yuqing": "volume"}, date=datetime(2026, 11, 21, 8, 0, tzinfo=UTC),
                            message_id="<digest-2026-11-21@yuqing>")
    assert message.get_content_type() == "multipart/alternative"
    text, related = message.get_payload()
    assert text.get_content_type() == "text/plain" and text.get_content().strip() == "图"
    assert related.get_content_type() == "multipart/related"
    html, image = related.get_payload()
    assert html.get_content_type() == "text/html" and 'src="cid:c1@yuqing"' in html.get_content()
    assert (image.get_content_type(), image["Content-ID"], image.get_filename()) == (
        "image/png", "<c1@yuqing>", "volume.png")
    assert image.get_content_disposition() == "inline" and image.get_content() == PNG
    assert "\n" not in message["Subject"] and message["To"] == "a@example.cn, b@example.cn"
    assert message["Date"] == "Sat, 21 Nov 2026 08:00:00 +0000"
    assert message["Message-ID"] == "<digest-2026-11-21@yuqing>"


def test_image_types_are_told_by_their_first_bytes() -> None:
    assert [image_subtype(b) for b in (PNG, b"\xff\xd8\xff", b"GIF89a", b"<svg xmlns=''/>")] == [
        "png", "jpeg", "gif", "svg+xml"]


def test_attachments_make_a_mixed_message_with_the_alternative_first() -> None:
    docx = b"PK\x03\x04 a Word file"
    message = build_message("主题", "a@example.cn", ["b@example.cn"], "<p>正文</p>", "正文",
                            attachments={"digest-2026-12-03.docx": docx})
    assert message.get_content_type() == "multipart/mixed"
    body, attachment = message.get_payload()  # type: ignore[misc]
    assert body.get_content_type() == "multipart/alternative"
    assert attachment.get_filename() == "digest-2026-12-03.docx"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_payload(decode=True) == docx
