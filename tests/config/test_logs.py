"""Log lines: one per event, key=value pairs from the vocabulary, secrets never written."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from yuqing.config.loading import parse_settings
from yuqing.config.logs import KeyValueFormatter, configure_logging
from yuqing.config.redact import redact_text as redact


def _record(message: str, *args: object, exc: BaseException | None = None, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("config.service", logging.WARNING, __file__, 1, message, args,
                               (type(exc), exc, exc.__traceback__) if exc else None)
    record.__dict__.update(extra)
    return record


def test_one_line_with_vocabulary_keys_first() -> None:
    line = KeyValueFormatter().format(
        _record("job failed: %s", "two\nlines", duration_ms=12, source="city forum", job="collector.collect:x")
    )
    assert "\n" not in line
    assert line.endswith('WARNING config.service: job failed: two\\nlines job=collector.collect:x '
                         'source="city forum" duration_ms=12')


def test_exceptions_stay_on_the_line() -> None:
    try:
        raise ValueError("bad\nvalue")
    except ValueError as exc:
        line = KeyValueFormatter().format(_record("oops", exc=exc))
    assert "\n" not in line and 'exception="ValueError: bad\\nvalue"' in line


def test_secrets_and_keys_in_urls_are_redacted() -> None:
    text = ("POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc123def&x=1 "
            "postgresql://yuqing:hunter2@db/yuqing token s3cr3t-value")
    assert redact(text, ["s3cr3t-value"]) == (
        "POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***&x=1 "
        "postgresql://yuqing:***@db/yuqing token ***"
    )


def test_configured_logging_writes_the_file_without_the_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_SECRET", "very-secret-value")
    settings = parse_settings(
        {"service": {"log_file": "logs/yuqing.log", "log_level": "WARNING"},
         "channels": [{"name": "hook", "kind": "webhook", "url": "http://127.0.0.1:9/", "secret_env": "HOOK_SECRET"}]},
        base_dir=tmp_path, origin="test",
    )
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        handler = configure_logging(settings, "info")
        logging.getLogger("config.test").info("signing with %s", "very-secret-value", extra={"channel": "hook"})
        logging.getLogger("httpx").info("HTTP Request: GET http://127.0.0.1/")  # a noisy library stays quiet
        handler.flush()
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
    lines = (tmp_path / "logs" / "yuqing.log").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and lines[0].endswith("INFO config.test: signing with *** channel=hook")


def _collect_a_dead_source(tmp_path: Path, service: str) -> subprocess.CompletedProcess[str]:
    """`yuqing collect` as a real process, on a feed at a port nothing listens on."""
    with socket.socket() as probe:  # a free port, closed again: connections are refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "yuqing.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "y.db"}"\n[fetch]\nretries = 0\n{service}\n'
                      f'[[sources]]\nname = "dead"\nkind = "rss"\nurl = "http://127.0.0.1:{port}/feed.xml"\n',
                      encoding="utf-8")
    yuqing = [sys.executable, "-m", "yuqing", "--config", str(config)]
    subprocess.run([*yuqing, "init"], check=True, capture_output=True)
    return subprocess.run([*yuqing, "collect"], capture_output=True, text=True, check=False)


def test_a_one_off_command_reports_a_failure_once_and_logs_it_to_the_file(tmp_path: Path) -> None:
    quiet = _collect_a_dead_source(tmp_path, "")
    assert quiet.stdout.count("dead (rss): failed: could not connect") == 1
    assert "dead" not in quiet.stderr  # no second, unformatted copy from Python's last-resort handler
    logged = _collect_a_dead_source(tmp_path, '[service]\nlog_file = "logs/yuqing.log"\n')
    lines = (tmp_path / "logs" / "yuqing.log").read_text(encoding="utf-8").splitlines()
    assert any("WARNING" in line and "dead" in line and "could not connect" in line for line in lines)
    assert "dead" not in logged.stderr
