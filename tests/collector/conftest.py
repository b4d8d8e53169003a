"""Collector test fixtures: the local HTTP site and a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.collector.site import LocalSite, start_site, stop_site

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=SHANGHAI)  # the clock the expected files were made with


@pytest.fixture
def site() -> Iterator[LocalSite]:
    """A real HTTP server on 127.0.0.1 with no routes yet."""
    running = start_site()
    yield running
    stop_site(running)
