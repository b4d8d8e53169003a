"""Analysis stage, bursts: a scheme's post times → a surge in the last hour against its usual volume.

Pure. The baseline is the same clock hour on each of the previous 7 days (the hour-of-week
profile of the last week), shrunk toward the week's mean hourly volume; the test is a
one-sided Poisson tail computed with `math`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
BASELINE_DAYS = 7
MIN_EXPECTED = 0.1  # posts per hour: a scheme that is usually silent still has some chance


def poisson_tail(observed: int, expected: float) -> float:
    """P(X ≥ observed) for X ~ Poisson(expected), summed in log space so tiny tails stay exact."""
    if observed <= 0:
        return 1.0
    if expected <= 0:
        return 0.0
    if observed <= expected:
        below = sum(math.exp(k * math.log(expected) - expected - math.lgamma(k + 1)) for k in range(observed))
        return max(0.0, 1.0 - below)
    total, k = 0.0, observed
    while True:
        term = math.exp(k * math.log(expected) - expected - math.lgamma(k + 1))
        total += term
        if term <= total * 1e-15:  # also ends an underflowed tail (term == total == 0)
            return min(1.0, total)
        k += 1


@dataclass(frozen=True)
class BurstTest:
    """The last hour of one scheme against its baseline."""

    scheme: str
    window_start: datetime
    window_end: datetime
    observed: int
    expected: float
    p_value: float
    days: int

    def is_burst(self, p_value: float, min_posts: int) -> bool:
        """A surge: enough posts, more than expected, and improbable under the baseline."""
        return self.observed >= min_posts and self.observed > self.expected and self.p_value < p_value

    @property
    def note(self) -> str:
        """"14 posts in the last hour, 1.6 expected (p = 2.1e-09, 7-day baseline)"."""
        return (f"{self.observed} posts in the last hour, {self.expected:.1f} expected "
                f"(p = {self.p_value:.1e}, {self.days}-day baseline)")


def measure_scheme(
    scheme: str, times: Sequence[datetime], now: datetime, history_start: datetime
) -> BurstTest | None:
    """Count `times` in the last hour and test them against the previous days' same hour.

    None while less than one day of history precedes the window (no baseline yet).
    """
    start = now - HOUR
    days = min(BASELINE_DAYS, int((start - history_start) / DAY))
    if days < 1:
        return None
    observed = sum(1 for t in times if start <= t < now)
    same_hour = sum(1 for d in range(1, days + 1) for t in times if start - d * DAY <= t < now - d * DAY)
    week = sum(1 for t in times if start - days * DAY <= t < start)
    hourly_mean = week / (days * 24)
    expected = max(MIN_EXPECTED, (same_hour + hourly_mean) / (days + 1))
    return BurstTest(
        scheme=scheme, window_start=start, window_end=now, observed=observed,
        expected=round(expected, 4), p_value=poisson_tail(observed, expected), days=days,
    )
