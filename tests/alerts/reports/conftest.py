"""The demo's database, made once for all the report tests (they only read it; a test that
changes it works on `Demo.copy`): `yuqing demo`'s whole pipeline leaves a story that spreads to
critical, incidents with missed deadlines and the sources' polls."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.alerts.reports.demo_db import Demo, run_demo_once


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """Run the demo once; its folder, settings and sessions."""
    opened = run_demo_once(tmp_path_factory.mktemp("demo"))
    yield opened
    opened.engine.dispose()
