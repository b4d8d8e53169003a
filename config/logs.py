"""Logging of the service: one line per event with `key=value` pairs, secrets redacted.

Keys come from one vocabulary (`source`, `post_id`, `story_id`, `tier`, `channel`, `job`) plus
the few a line needs (`ok`, `duration_ms`, …), passed through `extra={...}`.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import time
from collections.abc import Iterable

from yuqing.config.redact import redact_text
from yuqing.config.settings import Settings

VOCABULARY = ("job", "source", "post_id", "story_id", "tier", "channel")
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
NOISY = ("httpx", "httpcore", "apscheduler", "jieba", "urllib3", "alembic")


def _value(value: object) -> str:
    text = str(value)
    if text == "" or any(c.isspace() or c in '"=' for c in text):
        escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "")
        return f'"{escaped}"'
    return text


class KeyValueFormatter(logging.Formatter):
    """`2026-11-21T08:03:00Z INFO logger: message key=value …` on exactly one line, redacted."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(secrets)

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"
        extras = {k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}
        ordered = [k for k in VOCABULARY if k in extras] + sorted(k for k in extras if k not in VOCABULARY)
        pairs = " ".join(f"{k}={_value(extras[k])}" for k in ordered if extras[k] is not None)
        line = f"{stamp} {record.levelname} {record.name}: {record.getMessage()}"
        if pairs:
            line += " " + pairs
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            line += f" exception={_value(f'{type(exc).__name__}: {exc}')}"
            if logging.getLogger().isEnabledFor(logging.DEBUG):
                line += f" traceback={_value(self.formatException(record.exc_info))}"
        return redact_text(line.replace("\n", "\\n").replace("\r", ""), self.secrets)


def secret_values(settings: Settings) -> list[str]:
    """The values of every `*_env` variable the configuration names, to keep out of logs."""
    names = {name for channel in settings.channels for name in channel.env_names()}
    return [os.environ[n] for n in sorted(names) if os.environ.get(n)]


def configure_logging(settings: Settings, level: str | None = None) -> logging.Handler:
    """Send every log line to `service.log_file` (or stderr) at `level` (or `service.log_level`)."""
    chosen = (level or settings.service.log_level).upper()
    path = settings.service.log_file
    if path:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        handler: logging.Handler = logging.handlers.WatchedFileHandler(path, encoding="utf-8")  # logrotate-safe
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter(secret_values(settings)))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(chosen)
    for name in NOISY:  # their INFO lines are per request or per job; ours already say what matters
        logging.getLogger(name).setLevel(logging.DEBUG if chosen == "DEBUG" else logging.WARNING)
    return handler


def configure_command_logging(settings: Settings) -> None:
    """For one-off commands: log lines go to `service.log_file` (as the service's do) when one
    is set; otherwise only errors reach stderr, as the command reports failures itself.

    Either way lines pass through the redacting formatter: without this, Python's last-resort
    handler would print warnings raw, secrets and all. Nothing changes if logging is set up.
    """
    root = logging.getLogger()
    if root.handlers:
        return
    if settings.service.log_file:
        configure_logging(settings)
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter(secret_values(settings)))
    handler.setLevel(logging.ERROR)
    root.addHandler(handler)
