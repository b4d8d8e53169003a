"""Email over a real SMTP server (aiosmtpd): STARTTLS with AUTH, implicit SSL, HTML + text, CID images."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.alerts.factories import sample_payload
from yuqing.alerts.channels import send_alerts, send_email
from yuqing.alerts.email_message import build_message
from yuqing.config.settings import ChannelSettings


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made for this test run."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def free_port() -> int:
    """A port nobody listens on (aiosmtpd's Controller cannot take port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """Collects delivered messages."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"office", b"pa55")
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server(certificate) -> Iterator[tuple[Controller, Inbox]]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), tls_context=context, require_starttls=True,
                            authenticator=authenticator, auth_require_tls=True)
    controller.start()
    yield controller, inbox
    controller.stop()


def mail_channel(port: int, cert: Path, **extra: object) -> ChannelSettings:
    return ChannelSettings.model_validate({
        "name": "office-mail", "kind": "email", "smtp_host": "127.0.0.1", "smtp_port": port,
        "sender": "yuqing@example.cn", "to": ["office@example.cn", "duty@example.cn"],
        "username_env": "SMTP_USER", "password_env": "SMTP_PASS", "ca_file": str(cert), **extra})


def test_starttls_auth_html_and_text(smtp_server, certificate, monkeypatch) -> None:
    controller, inbox = smtp_server
    monkeypatch.setenv("SMTP_USER", "office")
    monkeypatch.setenv("SMTP_PASS", "pa55")
    payload = sample_payload()
    result = send_alerts(mail_channel(controller.port, certificate[0]), [payload])
    assert result.ok, result
    (msg,) = inbox.messages
    assert inbox.envelopes[0][1] == ["office@example.cn", "duty@example.cn"]
    assert msg["Message-ID"] == f"<{payload['id']}@yuqing>"
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "12,430" in text and "12,430" in html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_wrong_password_is_a_failure(smtp_server, certificate, monkeypatch) -> None:
    controller, inbox = smtp_server
    monkeypatch.setenv("SMTP_USER", "office")
    monkeypatch.setenv("SMTP_PASS", "nope")
    result = send_alerts(mail_channel(controller.port, certificate[0]), [sample_payload()])
    assert not result.ok and "535" in (result.error or "") and inbox.messages == []
    assert "nope" not in (result.error or "")


def test_untrusted_certificate_is_refused(smtp_server, monkeypatch) -> None:
    controller, _ = smtp_server
    monkeypatch.setenv("SMTP_USER", "office")
    monkeypatch.setenv("SMTP_PASS", "pa55")
    channel = mail_channel(controller.port, Path("x")).model_copy(update={"ca_file": None})
    result = send_alerts(channel, [sample_payload()])
    assert not result.ok and "CERTIFICATE_VERIFY_FAILED" in (result.error or "")


def test_implicit_ssl_and_inline_cid_images(certificate) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), ssl_context=context)
    controller.start()
    try:
        channel = mail_channel(controller.port, certificate[0], security="ssl", username_env=None,
                               password_env=None)
        png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
        message = build_message("舆情日报 2026-11-21", channel.sender or "", channel.to,
                                '<p>图表</p><img src="cid:chart-hourly">', "图表见 HTML 版本", {"chart-hourly": png})
        result = send_email(channel, message)
        assert result.ok, result
        (msg,) = inbox.messages
        images = [part for part in msg.walk() if part.get_content_maintype() == "image"]
        assert len(images) == 1 and images[0]["Content-ID"] == "<chart-hourly>"
        assert images[0].get_content() == png and images[0].get_content_type() == "image/png"
        assert msg["Subject"] == "舆情日报 2026-11-21"
    finally:
        controller.stop()
