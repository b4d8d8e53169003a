"""The digest by email through a real SMTP server (aiosmtpd on 127.0.0.1): structure, CIDs, images."""

from __future__ import annotations

import email
import io
import re
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.alerts.digest.samples import sample_digest
from tests.alerts.digest.world import DAY, NOW, build_world, digest_settings
from yuqing.alerts.channels import send_email
from yuqing.alerts.digest.charts import render_charts
from yuqing.alerts.digest.jobs import make_digest
from yuqing.alerts.digest.mail import compose_digest_email
from yuqing.alerts.models import Digest
from yuqing.config.settings import ChannelSettings, Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """An aiosmtpd handler keeping every message it is given, and the logins it saw."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            self.logins.append((data.login, data.password))
        return AuthResult(success=True)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=inbox.authenticate,
                            auth_require_tls=False)
    controller.start()
    yield inbox, port
    controller.stop()


def channel(port: int, **extra: Any) -> ChannelSettings:
    values = {"name": "office-mail", "kind": "email", "smtp_host": "127.0.0.1", "smtp_port": port,
              "security": "none", "sender": "yuqing@example.cn", "to": ["office@example.cn", "lead@example.cn"]}
    return ChannelSettings.model_validate({**values, **extra})


def received(inbox: Inbox) -> EmailMessage:
    assert len(inbox.messages) == 1
    return email.message_from_bytes(inbox.messages[0][2], policy=default)  # type: ignore[return-value]


def check_digest_message(message: EmailMessage) -> str:
    """Assert the multipart structure and the images; return the HTML part."""
    assert message.get_content_type() == "multipart/alternative"
    plain, related = message.get_payload()  # type: ignore[misc]
    assert plain.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html_part, *images = related.get_payload()
    assert html_part.get_content_type() == "text/html"
    html = html_part.get_content()
    referenced = set(re.findall(r'src="cid:([^"]+)"', html))
    assert len(images) == 4 and len(referenced) == 4
    assert {img["Content-ID"].strip("<>") for img in images} == referenced
    for img in images:
        assert img.get_content_type() == "image/png"
        picture = Image.open(io.BytesIO(img.get_content()))
        picture.load()
        assert picture.format == "PNG" and picture.width > 500
    assert not re.search(r'src="(?!cid:)', html) and "data:image" not in html
    return html


def test_digest_email_arrives_multipart_with_displayable_images(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    data = sample_digest()
    box = channel(port)
    assert send_email(box, compose_digest_email(data, render_charts(data), box.sender or "", box.to)).ok
    sender, recipients, _raw = inbox.messages[0]
    assert sender == "yuqing@example.cn" and recipients == ["office@example.cn", "lead@example.cn"]
    message = received(inbox)
    assert message["Subject"] == "舆情日报 2026-11-20:相关 34 条,负面 16 条(47.1%)"
    html = check_digest_message(message)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html
    assert "\\<script\\>" in message.get_payload()[0].get_content()  # type: ignore[index]


def test_login_uses_credentials_from_the_environment(
    smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp
    monkeypatch.setenv("DIGEST_SMTP_USER", "office")
    monkeypatch.setenv("DIGEST_SMTP_PASSWORD", "s3cret")
    box = channel(port, username_env="DIGEST_SMTP_USER", password_env="DIGEST_SMTP_PASSWORD")
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "yuqing@example.cn", "office@example.cn", "测试"
    message.set_content("正文")
    assert send_email(box, message).ok
    assert inbox.logins == [(b"office", b"s3cret")]


def test_unreachable_server_is_a_failed_delivery() -> None:
    result = send_email(channel(free_port(), timeout="2s"), EmailMessage())
    assert not result.ok and result.error is not None and "ConnectionRefusedError" in result.error


def _settings(tmp_path: Path, port: int, *extra_channels: dict[str, Any]) -> Settings:
    base = digest_settings(out_dir=str(tmp_path))
    channels = [channel(port).model_dump(), *extra_channels]
    return Settings.model_validate({**base.model_dump(), "channels": channels})


def test_make_digest_sends_and_records(
    db: sessionmaker[Session], tmp_path: Path, smtp: tuple[Inbox, int], receiver
) -> None:
    inbox, port = smtp
    build_world(db)
    hook_receiver = receiver("webhook")
    hook = {"name": "office-hook", "kind": "webhook", "url": hook_receiver.url}
    report = make_digest(_settings(tmp_path, port, hook), db, now=NOW, day=DAY)
    check_digest_message(received(inbox))
    assert [(r.channel, r.status) for r in report.results] == [("office-mail", "sent"), ("office-hook", "sent")]
    assert [doc["event"] for doc in hook_receiver.jsons()] == ["digest.ready"]
    with db() as session:
        row = session.scalars(select(Digest)).one()
    assert row.sent_at == NOW and row.figures["deliveries"] == {"office-mail": "sent", "office-hook": "sent"}


def test_a_failed_channel_leaves_the_digest_unsent(db: sessionmaker[Session], tmp_path: Path) -> None:
    build_world(db)
    settings = _settings(tmp_path, free_port())
    report = make_digest(settings, db, now=NOW, day=DAY)
    assert [(r.channel, r.status) for r in report.results] == [("office-mail", "failed")]
    assert "office-mail" in report.results[0].detail
    with db() as session:
        row = session.scalars(select(Digest)).one()
    assert row.sent_at is None and row.figures["deliveries"] == {"office-mail": "failed"}
    assert report.html_path.exists() and report.markdown_path.exists()


def test_the_daily_docx_goes_along_as_an_attachment(
    db: sessionmaker[Session], tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    build_world(db)
    base = _settings(tmp_path, port)
    settings = base.model_copy(update={"reports": base.reports.model_copy(update={"daily_docx": True})})
    report = make_digest(settings, db, now=NOW, day=DAY)
    assert report.docx_path == tmp_path / f"digest-{DAY.isoformat()}.docx"
    message = received(inbox)
    assert message.get_content_type() == "multipart/mixed"
    body, attachment = message.get_payload()  # type: ignore[misc]
    assert body.get_content_type() == "multipart/alternative"
    check_digest_message(body)
    assert attachment.get_filename() == report.docx_path.name
    assert attachment.get_content_type() == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert attachment.get_payload(decode=True) == report.docx_path.read_bytes()
