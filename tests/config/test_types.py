"""Durations, sizes and times of day as the configuration writes them."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from yuqing.config.types import format_duration, parse_duration, parse_size, parse_time_range, tier_rank


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("2h", 7200), ("1d", 86400), ("1h30m", 5400), ("1.5h", 5400), (90, 90)],
)
def test_durations(text: str | int, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "5", "5x", "five minutes", "m5", "-5m", True])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_format_round_trips() -> None:
    for text in ("45s", "5m", "1h30m", "2d"):
        assert format_duration(parse_duration(text)) == text


def test_sizes_and_ranges() -> None:
    assert parse_size("10MiB") == 10 * 1024 * 1024
    assert parse_size("500kB") == 500_000
    assert parse_time_range("22:00-07:00") == (time(22, 0), time(7, 0))
    with pytest.raises(ValueError):
        parse_time_range("22:00")
    assert [tier_rank(t) for t in (None, "general", "critical")] == [0, 1, 4]
