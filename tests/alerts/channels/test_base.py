"""Channel URLs as they appear in logs and delivery records: keys never shown."""

from __future__ import annotations

from alerts.channels.base import redact


def test_keys_in_query_path_and_credentials_are_hidden() -> None:
    token = "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
    assert redact(f"https://open.feishu.cn/open-apis/bot/v2/hook/{token}") == (
        "https://open.feishu.cn/open-apis/bot/v2/hook/…")
    assert redact("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRETKEY") == (
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…")
    assert redact("https://user:pw@hooks.example.cn:8443/yuqing") == "https://hooks.example.cn:8443/yuqing"
    assert redact(None) == "(no url)"
