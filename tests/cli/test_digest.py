"""`yuqing digest` writes both files of a day, sends them on request, and reports each channel."""

from __future__ import annotations

from pathlib import Path

from tests.alerts.digest.test_mail import Inbox, check_digest_message, received, smtp  # noqa: F401
from tests.alerts.digest.world import DAY, build_world

CONFIG = """
[database]
url = "{url}"

[digest]
out_dir = "digests"

[[sources]]
name = "city-forum"
kind = "discuz"
url = "https://bbs.example.cn/forum.php?fid=2"

[[channels]]
name = "office-mail"
kind = "email"
smtp_host = "127.0.0.1"
smtp_port = {port}
security = "none"
sender = "yuqing@example.cn"
to = ["office@example.cn"]
password_env = "YUQING_TEST_DIGEST_PASSWORD"
username_env = "YUQING_TEST_DIGEST_USER"
"""


def test_digest_writes_the_day_into_out_dir(yuqing, write_config, db, db_url, tmp_path: Path) -> None:
    build_world(db)
    config = write_config(CONFIG.format(url=db_url, port=2525))
    result = yuqing("--config", str(config), "digest", "--date", DAY.isoformat(), "--out", str(tmp_path / "o"))
    assert result.code == 0, result.err
    html, markdown = tmp_path / "o" / "digest-2026-11-20.html", tmp_path / "o" / "digest-2026-11-20.md"
    assert result.out.splitlines() == [f"html: {html}", f"markdown: {markdown}"]
    assert html.exists() and markdown.exists()


def test_digest_defaults_to_the_configured_folder(yuqing, write_config, db, db_url) -> None:
    config = write_config(CONFIG.format(url=db_url, port=2525))
    result = yuqing("--config", str(config), "digest", "--date", "2026-11-19")
    assert result.code == 0, result.err
    assert (config.parent / "digests" / "digest-2026-11-19.md").exists()  # relative to the config file


def test_digest_send_delivers_by_email(yuqing, write_config, db, db_url, smtp, monkeypatch,  # noqa: F811
                                       tmp_path: Path) -> None:
    inbox, port = smtp
    monkeypatch.setenv("YUQING_TEST_DIGEST_USER", "office")
    monkeypatch.setenv("YUQING_TEST_DIGEST_PASSWORD", "s3cret")
    build_world(db)
    config = write_config(CONFIG.format(url=db_url, port=port))
    result = yuqing("--config", str(config), "digest", "--date", DAY.isoformat(), "--send")
    assert result.code == 0, result.err
    assert "office-mail (email): sent" in result.out
    check_digest_message(received(inbox))


def test_digest_send_needs_the_secrets_first(yuqing, write_config, db, db_url, monkeypatch) -> None:
    monkeypatch.delenv("YUQING_TEST_DIGEST_PASSWORD", raising=False)
    monkeypatch.setenv("YUQING_TEST_DIGEST_USER", "office")
    config = write_config(CONFIG.format(url=db_url, port=2525))
    result = yuqing("--config", str(config), "digest", "--send")
    assert result.code == 2
    assert "YUQING_TEST_DIGEST_PASSWORD" in result.err and not (config.parent / "digests").exists()


def test_digest_send_failure_exits_1(yuqing, write_config, db, db_url, monkeypatch) -> None:
    monkeypatch.setenv("YUQING_TEST_DIGEST_USER", "office")
    monkeypatch.setenv("YUQING_TEST_DIGEST_PASSWORD", "s3cret")
    config = write_config(CONFIG.format(url=db_url, port=9))
    result = yuqing("--config", str(config), "digest", "--date", "2026-11-19", "--send")
    assert result.code == 1
    assert "office-mail (email): failed" in result.out and "not delivered to office-mail" in result.err
    assert "s3cret" not in result.out + result.err


def test_digest_rejects_a_bad_date(yuqing, write_config, db, db_url) -> None:
    config = write_config(CONFIG.format(url=db_url, port=2525))
    result = yuqing("--config", str(config), "digest", "--date", "20.11.2026")
    assert result.code == 2 and "YYYY-MM-DD" in result.err
