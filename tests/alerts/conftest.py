"""Receivers for the alerting tests: real HTTP servers on 127.0.0.1, stopped after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.alerts.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Callable[..., Receiver]]:
    """receiver(kind="dingtalk", secret="SEC…") starts one; all are stopped at the end."""
    started: list[Receiver] = []

    def start(kind: str = "webhook", secret: str | None = None) -> Receiver:
        r = Receiver(kind=kind, secret=secret).start()
        started.append(r)
        return r

    yield start
    for r in started:
        r.stop()
