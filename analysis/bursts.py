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


@dataclass(frozen=True)
class BurstWindows:
    """The periods one test counts posts in: the last hour, the same hour on each of the `days`
    previous days, and the `days` whole days before the last hour. Each period is [start, end)."""

    now: datetime
    days: int

    @property
    def last_hour(self) -> tuple[datetime, datetime]:
        """The hour being tested."""
        return self.now - HOUR, self.now

    @property
    def same_hours(self) -> list[tuple[datetime, datetime]]:
        """The same clock hour on each previous day, yesterday first."""
        return [(self.now - HOUR - d * DAY, self.now - d * DAY) for d in range(1, self.days + 1)]

    @property
    def week(self) -> tuple[datetime, datetime]:
        """The baseline days before the last hour."""
        return self.now - HOUR - self.days * DAY, self.now - HOUR


def burst_windows(now: datetime, history_start: datetime) -> BurstWindows | None:
    """The periods to count for a test at `now`; None while less than one day of history precedes
    the last hour (no baseline yet)."""
    days = min(BASELINE_DAYS, int((now - HOUR - history_start) / DAY))
    return BurstWindows(now, days) if days >= 1 else None


def measure_counts(scheme: str, windows: BurstWindows, observed: int, same_hour: int, week: int) -> BurstTest:
    """The test from the counts of the periods of `windows`: posts in the last hour, in the same
    hours of the previous days (all together), and in the baseline days."""
    hourly_mean = week / (windows.days * 24)
    expected = max(MIN_EXPECTED, (same_hour + hourly_mean) / (windows.days + 1))
    start, end = windows.last_hour
    return BurstTest(
        scheme=scheme, window_start=start, window_end=end, observed=observed,
        expected=round(expected, 4), p_value=poisson_tail(observed, expected), days=windows.days,
    )


def measure_scheme(
    scheme: str, times: Sequence[datetime], now: datetime, history_start: datetime
) -> BurstTest | None:
    """Count `times` in the periods of `burst_windows` and test the last hour against the others.

    The reference over a list of post times (`detect_bursts` has the database count the same periods).
    None while less than one day of history precedes the window (no baseline yet).
    """
    windows = burst_windows(now, history_start)
    if windows is None:
        return None

    def within(period: tuple[datetime, datetime]) -> int:
        return sum(1 for t in times if period[0] <= t < period[1])

    same_hour = sum(within(period) for period in windows.same_hours)
    return measure_counts(scheme, windows, within(windows.last_hour), same_hour, within(windows.week))
