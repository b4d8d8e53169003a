"""Value types of the configuration: durations, sizes, times of day, tiers and categories.

Pure: strings from TOML in, validated Python values out.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Annotated, Literal

from pydantic import BeforeValidator, PlainSerializer

TierId = Literal["general", "significant", "major", "critical"]
CategoryId = Literal["problem", "emergency", "sensitive", "suggestion", "rumour"]

TIER_ORDER: tuple[str, ...] = ("general", "significant", "major", "critical")
TIER_LABELS: dict[str, str] = {
    "general": "一般",
    "significant": "较大",
    "major": "重大",
    "critical": "特别重大",
}
TIER_LEVELS: dict[str, str] = {"general": "IV", "significant": "III", "major": "II", "critical": "I"}

CATEGORY_LABELS: dict[str, str] = {
    "problem": "问题类",
    "emergency": "突发事件类",
    "sensitive": "敏感类",
    "suggestion": "意见建议类",
    "rumour": "造谣诽谤类",
}
CATEGORY_GUIDANCE: dict[str, str] = {
    "problem": "及时致歉叫停,后续整改到位",
    "emergency": "赶赴现场调查,两小时内通过媒体发布事实",
    "sensitive": "重讲态度,慎讲原因,防止炒作",
    "suggestion": "及时致谢肯定,梳理归纳,后报落实效果",
    "rumour": "及时辟谣,澄清事实,依法问责",
}


def tier_rank(tier: str | None) -> int:
    """Return 0 for no tier, 1 for general … 4 for critical."""
    return 0 if tier is None else TIER_ORDER.index(tier) + 1


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: object) -> timedelta:
    """Parse "30s", "5m", "2h", "1d", "1h30m" (or a number of seconds) into a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return timedelta(seconds=value)
    if not isinstance(value, str):
        raise ValueError("a duration is a string such as \"5m\", \"2h\" or \"1d\"")
    text = value.strip().lower().replace(" ", "")
    parts = _DURATION_PART.findall(text)
    if not text or "".join(n + u for n, u in parts) != text:
        raise ValueError(
            f"{value!r} is not a duration; write a number followed by s, m, h or d, e.g. \"5m\""
        )
    return timedelta(seconds=sum(float(n) * _DURATION_UNITS[u] for n, u in parts))


def format_duration(value: timedelta) -> str:
    """Format a timedelta the way the configuration writes it ("1h30m", "45s")."""
    seconds = int(value.total_seconds())
    out = ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            out += f"{seconds // size}{unit}"
            seconds %= size
    return out or "0s"


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?", re.IGNORECASE)
_SIZE_UNITS = {
    "b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2, "gb": 1000**3, "gib": 1024**3,
}


def parse_size(value: object) -> int:
    """Parse "10MiB", "500kB" or a number of bytes into an int."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _SIZE.fullmatch(str(value).strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"{value!r} is not a size; write e.g. \"10MiB\" or \"500kB\"")
    return int(float(match.group(1)) * _SIZE_UNITS[(match.group(2) or "b").lower()])


def parse_time_of_day(value: object) -> time:
    """Parse "08:00" into a time."""
    if isinstance(value, time):
        return value
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", str(value).strip())
    if not match:
        raise ValueError(f"{value!r} is not a time of day; write HH:MM, e.g. \"08:00\"")
    return time(int(match.group(1)), int(match.group(2)))


def parse_time_range(value: object) -> tuple[time, time]:
    """Parse "22:00-07:00" into (start, end); the range may wrap past midnight."""
    if isinstance(value, tuple):
        return value
    parts = str(value).split("-")
    if len(parts) != 2:
        raise ValueError(f"{value!r} is not a time range; write e.g. \"22:00-07:00\"")
    return parse_time_of_day(parts[0]), parse_time_of_day(parts[1])


Duration = Annotated[
    timedelta, BeforeValidator(parse_duration), PlainSerializer(format_duration, return_type=str)
]
ByteSize = Annotated[int, BeforeValidator(parse_size)]
TimeOfDay = Annotated[time, BeforeValidator(parse_time_of_day)]
TimeRange = Annotated[tuple[time, time], BeforeValidator(parse_time_range)]
