"""Bursts: the Poisson tail and the hour-of-week baseline."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from yuqing.analysis.bursts import measure_scheme, poisson_tail

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.mark.parametrize(("k", "lam"), [(0, 2.0), (1, 2.0), (3, 2.0), (10, 2.0), (40, 3.5), (5, 9.0)])
def test_poisson_tail_matches_the_direct_sum(k: int, lam: float) -> None:
    direct = 1 - sum(math.exp(-lam) * lam**i / math.factorial(i) for i in range(k))
    assert poisson_tail(k, lam) == pytest.approx(direct, rel=1e-9, abs=1e-15)


def test_tiny_tails_stay_positive() -> None:
    assert poisson_tail(400, 1.0) == 0.0  # below the smallest float: ends, does not loop
    assert 0 < poisson_tail(60, 1.0) < 1e-60


def test_the_baseline_is_the_same_hour_on_previous_days_shrunk_to_the_mean() -> None:
    daily_spike = [NOW - d * 24 * H - 30 * 60 * timedelta(seconds=1) for d in range(1, 8) for _ in range(10)]
    test = measure_scheme("交通局", daily_spike + [NOW - 10 * timedelta(minutes=1)] * 10, NOW, NOW - 30 * 24 * H)
    assert test is not None and test.days == 7 and test.observed == 10
    assert test.expected == pytest.approx((70 + 70 / (7 * 24)) / 8, rel=1e-3)
    assert not test.is_burst(0.001, 5)  # the usual busy hour


def test_a_surge_over_a_quiet_baseline_is_a_burst_and_no_history_means_no_test() -> None:
    times = [NOW - k * 3 * H for k in range(1, 56)] + [NOW - m * timedelta(minutes=5) for m in range(1, 9)]
    test = measure_scheme("交通局", times, NOW, NOW - 8 * 24 * H)
    assert test is not None and test.observed == 8 and test.is_burst(0.001, 5)
    assert "8 posts in the last hour" in test.note
    assert not test.is_burst(0.001, 9)
    assert measure_scheme("交通局", times, NOW, NOW - 20 * H) is None
