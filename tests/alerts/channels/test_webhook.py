"""The generic webhook: the docs/spec.md §9 JSON as sent, HMAC-signed, failures read from the status."""

from __future__ import annotations

import socket

from tests.alerts.factories import sample_payload
from yuqing.alerts.channels import send_alerts
from yuqing.config.settings import ChannelSettings


def channel(url: str, **extra: object) -> ChannelSettings:
    return ChannelSettings.model_validate({"name": "hook", "kind": "webhook", "url": url, **extra})


def test_payload_is_posted_as_is_and_signed(receiver, monkeypatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", "s3cr3t")
    r = receiver("webhook", secret="s3cr3t")
    payload = sample_payload()
    result = send_alerts(channel(r.url, secret_env="HOOK_SECRET"), [payload])
    assert result.ok and result.status_code == 200
    assert r.rejected == [] and r.jsons() == [payload]
    assert r.accepted[0].headers["X-Yuqing-Id"] == payload["id"]
    assert r.accepted[0].headers["X-Yuqing-Signature"].startswith("sha256=")


def test_wrong_secret_is_refused_by_the_receiver(receiver, monkeypatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", "wrong")
    r = receiver("webhook", secret="s3cr3t")
    result = send_alerts(channel(r.url, secret_env="HOOK_SECRET"), [sample_payload()])
    assert not result.ok and result.status_code == 401 and r.accepted == []


def test_a_5xx_is_a_failure_with_status_and_excerpt(receiver) -> None:
    r = receiver("webhook")
    r.fail = True
    result = send_alerts(channel(r.url), [sample_payload()])
    assert not result.ok and result.status_code == 503 and "receiver down" in (result.response or "")


def test_connection_refused_is_a_failure_without_the_url_key() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = send_alerts(channel(f"http://127.0.0.1:{port}/hook?key=SECRET-KEY-123", timeout="2s"),
                         [sample_payload()])
    assert not result.ok and result.error and "SECRET-KEY-123" not in result.error


def test_a_merged_burst_is_one_request_with_every_alert(receiver) -> None:
    r = receiver("webhook")
    payloads = [sample_payload(f"k{i}") for i in range(3)]
    assert send_alerts(channel(r.url), payloads).ok
    (body,) = r.jsons()
    assert body["event"] == "batch" and body["count"] == 3 and body["alerts"] == payloads
