"""WeCom, DingTalk and Feishu bots: their request formats, their signatures checked by a receiver
that follows the platforms' documentation, and their error bodies read as failures."""

from __future__ import annotations

import pytest

from tests.alerts.factories import sample_payload
from yuqing.alerts.channels import send_alerts, send_text
from yuqing.config.settings import ChannelSettings


def bot(kind: str, url: str, secret_env: str | None = None) -> ChannelSettings:
    return ChannelSettings.model_validate({"name": f"{kind}-bot", "kind": kind, "url": url,
                                           "secret_env": secret_env})


def test_wecom_markdown_message(receiver) -> None:
    r = receiver("wecom")
    assert send_alerts(bot("wecom", r.url), [sample_payload()]).ok
    (body,) = r.jsons()
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert "重大" in content and "12,430" in content and "<font color=" in content
    assert "](http://evil" not in content and "@all" not in content
    assert len(content.encode()) <= 4096


def test_wecom_long_content_is_cut_to_4096_bytes(receiver) -> None:
    r = receiver("wecom")
    assert send_alerts(bot("wecom", r.url), [sample_payload(f"k{i}") for i in range(80)]).ok
    content = r.jsons()[0]["markdown"]["content"]
    assert len(content.encode()) <= 4096 and "截断" in content


@pytest.mark.parametrize("kind, answer", [
    ("wecom", {"errcode": 93000, "errmsg": "invalid webhook url"}),
    ("dingtalk", {"errcode": 300001, "errmsg": "token is not exist"}),
    ("feishu", {"code": 9499, "msg": "Bad Request", "data": {}}),
    ("feishu", {"StatusCode": 19001, "StatusMessage": "param invalid"}),
])
def test_error_bodies_with_http_200_are_failures(receiver, kind, answer) -> None:
    r = receiver(kind)
    r.answer = (200, answer)
    result = send_alerts(bot(kind, r.url), [sample_payload()])
    assert not result.ok and result.status_code == 200
    assert str(list(answer.values())[0]) in (result.error or "")


def test_dingtalk_signature_is_accepted_by_the_documented_check(receiver, monkeypatch) -> None:
    monkeypatch.setenv("DING_SECRET", "SEC0123456789abcdef+/=")
    r = receiver("dingtalk", secret="SEC0123456789abcdef+/=")
    result = send_alerts(bot("dingtalk", r.url, "DING_SECRET"), [sample_payload()])
    assert result.ok, result
    (request,) = r.accepted
    assert request.query["key"] == "SECRET-KEY-123" and "timestamp" in request.query
    body = request.json
    assert body["msgtype"] == "markdown" and body["markdown"]["title"] and "重大" in body["markdown"]["text"]
    assert "<font" not in body["markdown"]["text"]


def test_dingtalk_wrong_secret_gets_errcode_310000_and_fails(receiver, monkeypatch) -> None:
    monkeypatch.setenv("DING_SECRET", "SECwrong")
    r = receiver("dingtalk", secret="SECright")
    result = send_alerts(bot("dingtalk", r.url, "DING_SECRET"), [sample_payload()])
    assert not result.ok and "310000" in (result.error or "") and r.accepted == []


def test_feishu_signature_and_card_are_accepted(receiver, monkeypatch) -> None:
    monkeypatch.setenv("FEISHU_SECRET", "feishu-secret-xyz")
    r = receiver("feishu", secret="feishu-secret-xyz")
    result = send_alerts(bot("feishu", r.url, "FEISHU_SECRET"), [sample_payload(tier="critical")])
    assert result.ok, result
    body = r.jsons()[0]
    assert body["msg_type"] == "interactive" and body["card"]["header"]["template"] == "red"
    assert isinstance(body["timestamp"], str) and body["sign"]


def test_feishu_wrong_secret_gets_code_19021_and_fails(receiver, monkeypatch) -> None:
    monkeypatch.setenv("FEISHU_SECRET", "wrong")
    r = receiver("feishu", secret="right")
    result = send_alerts(bot("feishu", r.url, "FEISHU_SECRET"), [sample_payload()])
    assert not result.ok and "19021" in (result.error or "")


@pytest.mark.parametrize("kind", ["wecom", "dingtalk", "feishu", "webhook"])
def test_send_text_reaches_every_bot(receiver, kind) -> None:
    r = receiver(kind)
    assert send_text(bot(kind, r.url), "舆情日报 2026-11-21", "- 新增负面 **3** 条").ok
    assert "新增负面" in r.accepted[0].body.decode()
    if kind == "webhook":
        assert r.jsons()[0]["event"] == "digest.ready" and r.jsons()[0]["id"]
