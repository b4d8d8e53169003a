"""`yuqing demo` end to end: the expected alerts, each once, nothing else, a digest, in under 60 s.

Needs every stage (collector, analysis, alerts, digest); skipped with the reason on a build without them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from yuqing.simulator.scenario import EXPECTED_ALERTS


@pytest.mark.slow
def test_demo_shows_the_expected_alerts_and_leaves_nothing_running(
    yuqing: Callable[..., object], tmp_path: Path
) -> None:
    threads_before = set(threading.enumerate())
    began = time.monotonic()
    result = yuqing("demo", "--dir", str(tmp_path / "demo"))
    elapsed = time.monotonic() - began
    assert result.code == 0, result.out + result.err
    assert elapsed < 60
    assert f"ok: the {len(EXPECTED_ALERTS)} expected alerts arrived, each once, and nothing else" in result.out
    assert result.out.count("ALERT story.tier_raised") == len(EXPECTED_ALERTS)
    digests = sorted((tmp_path / "demo" / "digests").glob("digest-*"))
    assert [p.suffix for p in digests] == [".html", ".md"]
    assert str(digests[0]) in result.out.replace("\n", "")
    time.sleep(0.3)
    left = [t for t in set(threading.enumerate()) - threads_before if t.is_alive()]
    assert left == [], f"threads left running: {left}"
