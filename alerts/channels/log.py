"""Alerting stage: the `log` channel — one JSON line per alert, to a file or stdout, for intranets
with nothing else."""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from yuqing.alerts.channels.base import SendResult, TextMessage
from yuqing.config.settings import ChannelSettings


def send(channel: ChannelSettings, payloads: list[dict[str, Any]], *, client: object = None) -> SendResult:
    """Append every payload as a JSON line (a merged burst is still one line per alert)."""
    return write_lines(channel, payloads)


def send_text(channel: ChannelSettings, message: TextMessage, *, client: object = None) -> SendResult:
    """Write a text we wrote as one JSON line (its document)."""
    return write_lines(channel, [message.document])


def write_lines(channel: ChannelSettings, documents: list[dict[str, Any]]) -> SendResult:
    """Write JSON lines and flush them to disk before reporting success."""
    started = time.monotonic()
    lines = "".join(json.dumps(d, ensure_ascii=False, sort_keys=False) + "\n" for d in documents)
    if not channel.path or channel.path == "-":
        sys.stdout.write(lines)
        sys.stdout.flush()
        where = "stdout"
    else:
        with open(channel.path, "a", encoding="utf-8") as handle:
            handle.write(lines)
            handle.flush()
            os.fsync(handle.fileno())
        where = channel.path
    ms = int((time.monotonic() - started) * 1000)
    return SendResult(True, None, f"{len(documents)} line(s) written to {where}", None, ms)
