"""What logs, delivery records and messages show of secrets: never the secret."""

from __future__ import annotations

from yuqing.config.redact import redact_database_url, redact_endpoint, redact_text


def test_secrets_and_keys_in_urls_are_redacted_in_text() -> None:
    text = ("POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc123def&x=1 "
            "postgresql://yuqing:hunter2@db/yuqing token s3cr3t-value")
    assert redact_text(text, ["s3cr3t-value"]) == (
        "POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***&x=1 "
        "postgresql://yuqing:***@db/yuqing token ***"
    )


def test_keys_in_query_path_and_credentials_are_hidden_in_endpoints() -> None:
    token = "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
    assert redact_endpoint(f"https://open.feishu.cn/open-apis/bot/v2/hook/{token}") == (
        "https://open.feishu.cn/open-apis/bot/v2/hook/…")
    assert redact_endpoint("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRETKEY") == (
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…")
    assert redact_endpoint("https://user:pw@hooks.example.cn:8443/yuqing") == "https://hooks.example.cn:8443/yuqing"
    assert redact_endpoint(None) == "(no url)"


def test_a_database_url_keeps_all_but_its_password() -> None:
    assert redact_database_url("postgresql+psycopg://yuqing:p%40ss@db.internal:5432/yuqing") == (
        "postgresql+psycopg://yuqing:***@db.internal:5432/yuqing")
    assert redact_database_url("sqlite:///var/lib/yuqing/yuqing.db") == "sqlite:///var/lib/yuqing/yuqing.db"
