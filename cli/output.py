"""Shared rendering helpers for commands: JSON values and relative times for tables."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import date, datetime, timedelta
from typing import Any


def to_jsonable(value: Any) -> Any:
    """Dataclasses, datetimes (ISO 8601 with offset) and containers → JSON-ready values."""
    if is_dataclass(value) and not isinstance(value, type):
        return {k: to_jsonable(v) for k, v in asdict(value).items()}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    return value


def dumps(value: Any) -> str:
    """Pretty JSON with Chinese kept readable."""
    return json.dumps(to_jsonable(value), ensure_ascii=False, indent=2)


def ago(moment: datetime | None, now: datetime) -> str:
    """"3m ago", "in 5m" or "—" for a table cell."""
    if moment is None:
        return "—"
    seconds = int((now - moment).total_seconds())
    future, seconds = seconds < 0, abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            text = f"{seconds // size}{unit}"
            break
    else:
        text = f"{seconds}s"
    return f"in {text}" if future else f"{text} ago"


def size(count: int | None) -> str:
    """Bytes for a person: "812 KiB", "3.4 GiB", or "—" when unknown."""
    if count is None:
        return "—"
    value, unit = float(count), "B"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            break
        value /= 1024
    return f"{int(value)} {unit}" if unit == "B" or value >= 100 else f"{value:.1f} {unit}"
