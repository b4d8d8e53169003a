"""The base of every configuration section, and the time-zone check several sections share."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """Base of every config section: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_timezone(value: str) -> str:
    """The IANA zone name, checked; ValueError names the fix."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown timezone {value!r}; use an IANA name such as \"Asia/Shanghai\"") from exc
    return value


def check_optional_timezone(value: str | None) -> str | None:
    """`check_timezone` for a zone that may be left out."""
    return None if value is None else check_timezone(value)
