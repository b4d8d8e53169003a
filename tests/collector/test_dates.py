"""Times written on pages, relative ones resolved in the page's timezone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.collector.conftest import NOW, SHANGHAI
from yuqing.collector.dates import has_clock, parse_time


@pytest.mark.parametrize(("text", "expected"), [
    ("3\xa0小时前", datetime(2026, 11, 21, 7, 0)),
    ("半小时前", datetime(2026, 11, 21, 9, 30)),
    ("昨天\xa018:07", datetime(2026, 11, 20, 18, 7)),
    ("前天 21:30", datetime(2026, 11, 19, 21, 30)),
    ("5 天前", datetime(2026, 11, 16, 10, 0)),
    ("10 分钟前", datetime(2026, 11, 21, 9, 50)),
    ("刚刚", datetime(2026, 11, 21, 10, 0)),
    ("2018-8-20", datetime(2018, 8, 20)),
    ("发表于 2018-9-4 14:33", datetime(2018, 9, 4, 14, 33)),
    ("2024年3月5日 09:30", datetime(2024, 3, 5, 9, 30)),
    ("08-20 18:07", datetime(2026, 8, 20, 18, 7)),
    ("12-25 10:00", datetime(2025, 12, 25, 10, 0)),  # a date later this year is last year's
    ("3小時前", datetime(2026, 11, 21, 7, 0)),
])
def test_times_in_the_page_timezone(text: str, expected: datetime) -> None:
    assert parse_time(text, NOW, SHANGHAI) == expected.replace(tzinfo=SHANGHAI)


def test_relative_day_words_follow_the_board_timezone_not_utc() -> None:
    # 01:00 in Shanghai is still the previous day in UTC; "昨天" means Shanghai's yesterday.
    early = datetime(2026, 11, 21, 1, 0, tzinfo=SHANGHAI)
    assert parse_time("昨天 23:10", early, SHANGHAI) == datetime(2026, 11, 20, 23, 10, tzinfo=SHANGHAI)
    taipei = parse_time("2026-11-21 08:00", NOW, ZoneInfo("Asia/Taipei"))
    assert taipei is not None and taipei.utcoffset() is not None


def test_iso_with_offset_and_impossible_dates() -> None:
    assert parse_time("2026-11-21T08:03:00+08:00", NOW, SHANGHAI) == datetime(2026, 11, 21, 8, 3, tzinfo=SHANGHAI)
    assert parse_time("2018-2-30", NOW, SHANGHAI) is None
    assert parse_time("no time here", NOW, SHANGHAI) is None


def test_has_clock_tells_times_from_dates() -> None:
    assert has_clock("2018-8-20 18:07") and has_clock("3 小时前") and has_clock("刚刚")
    assert not has_clock("2018-8-20") and not has_clock("5 天前")
