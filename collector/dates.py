"""Collector stage, times written on pages: "2018-8-20 18:07", "3 小时前", "昨天 18:07" → aware datetime.

Pure. Relative times are resolved against `now` in the page's timezone, the way the
site rendered them; times without a zone are read in that timezone too.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo

_CLOCK = r"(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?"
_ABSOLUTE = re.compile(
    r"(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT]*" + _CLOCK + ")?"
)
_AGO = re.compile(r"(\d+|半|一|两|几)\s*(秒|分钟|分鐘|小时|小時|个小时|個小時|天|日|周|週|星期|个月|個月)\s*[前以]")
_DAY_WORDS = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}
_AGO_UNITS = {
    "秒": timedelta(seconds=1), "分钟": timedelta(minutes=1), "分鐘": timedelta(minutes=1),
    "小时": timedelta(hours=1), "小時": timedelta(hours=1), "个小时": timedelta(hours=1),
    "個小時": timedelta(hours=1), "天": timedelta(days=1), "日": timedelta(days=1),
    "周": timedelta(weeks=1), "週": timedelta(weeks=1), "星期": timedelta(weeks=1),
    "个月": timedelta(days=30), "個月": timedelta(days=30),
}
_HALF_HOUR = re.compile(r"半\s*(?:个|個)?\s*(?:小时|小時|钟头|鐘頭)\s*前")
_JUST_NOW = ("刚刚", "剛剛", "刚才", "剛才", "just now")
_ZONE = re.compile(r"(?:[+-]\d{2}:?\d{2}|Z|GMT|UTC)\s*$", re.I)


def parse_time(text: str | None, now: datetime, tz: tzinfo) -> datetime | None:
    """Read an absolute or relative time written in `text`; None if there is no time."""
    if not text:
        return None
    text = " ".join(text.replace("\xa0", " ").split())
    local_now = now.astimezone(tz)
    if any(word in text for word in _JUST_NOW):
        return now
    if _HALF_HOUR.search(text):
        return now - timedelta(minutes=30)
    if (match := _AGO.search(text)) is not None:
        return now - _ago_delta(match.group(1), match.group(2))
    for word, days_back in _DAY_WORDS.items():
        if word in text:
            day = local_now.date() - timedelta(days=days_back)
            clock = re.search(_CLOCK, text)
            return _at(day, clock.groups() if clock else None, tz)
    if (iso := _parse_iso(text, tz)) is not None:
        return iso
    return _parse_absolute(text, local_now, tz)


def has_clock(text: str | None) -> bool:
    """True when `text` pins a time of day (HH:MM, or hours/minutes ago), not just a date."""
    if not text:
        return False
    return bool(re.search(_CLOCK, text) or re.search(r"秒|分钟|分鐘|小时|小時|刚|剛|钟头", text))


def _ago_delta(amount: str, unit: str) -> timedelta:
    number = {"半": 0.5, "一": 1, "两": 2, "几": 3}.get(amount)
    return _AGO_UNITS[unit] * (number if number is not None else int(amount))


def _at(day: date, clock: tuple[str | None, ...] | None, tz: tzinfo) -> datetime:
    hour, minute, second = (int(p or 0) for p in clock) if clock else (0, 0, 0)
    return datetime.combine(day, time(hour, minute, second), tzinfo=tz)


def _parse_iso(text: str, tz: tzinfo) -> datetime | None:
    candidate = text.replace("Z", "+00:00") if _ZONE.search(text) else text
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)


def _parse_absolute(text: str, local_now: datetime, tz: tzinfo) -> datetime | None:
    match = _ABSOLUTE.search(text)
    if match is None:
        return None
    year, month, day, *clock = match.groups()
    try:
        if year is None:  # "08-20 18:07": this year, or last year if that is in the future
            found = _at(date(local_now.year, int(month), int(day)), tuple(clock), tz)
            if found > local_now + timedelta(days=1):
                found = found.replace(year=local_now.year - 1)
            return found
        return _at(date(int(year), int(month), int(day)), tuple(clock), tz)
    except ValueError:
        return None  # "2018-2-30": a date that does not exist is no date
