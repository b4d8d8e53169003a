"""`yuqing clock` and `yuqing worker` refuse, with the fix, what distributed mode cannot run on:
no `[queue]`, the broker's variable unset, SQLite."""

from __future__ import annotations


def test_without_a_queue_section_the_clock_says_what_to_add(yuqing, write_config, db_url) -> None:
    config = write_config(f'[database]\nurl = "{db_url}"\n')
    result = yuqing("--config", str(config), "clock")
    assert result.code == 2
    assert "needs a [queue] section" in result.err


def test_the_broker_url_must_be_in_the_environment(yuqing, write_config, db_url, monkeypatch) -> None:
    monkeypatch.delenv("MY_QUEUE", raising=False)
    config = write_config(f'[database]\nurl = "{db_url}"\n[queue]\nurl_env = "MY_QUEUE"\n')
    for command in ("clock", "worker"):
        result = yuqing("--config", str(config), command)
        assert result.code == 2, command
        assert "MY_QUEUE, but it is not set" in result.err


def test_sqlite_is_refused(yuqing, write_config, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("YUQING_QUEUE_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
    config = write_config(f'[database]\nurl = "sqlite:///{tmp_path / "y.db"}"\n[queue]\n')
    assert yuqing("--config", str(config), "init").code == 0
    for command in ("clock", "worker"):
        result = yuqing("--config", str(config), command)
        assert result.code == 2, command
        assert "distributed mode needs PostgreSQL" in result.err
