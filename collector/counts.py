"""Collector stage, engagement counts: text such as "转发 1.2万", "评论(356)", "阅读 10万+" → int.

Pure. Simplified and Traditional units (万/萬, 亿/億, k, w) are understood.
"""

from __future__ import annotations

import re

_UNITS = {
    "": 1, "k": 1_000, "千": 1_000, "w": 10_000, "万": 10_000, "萬": 10_000,
    "m": 1_000_000, "百万": 1_000_000, "亿": 100_000_000, "億": 100_000_000,
}
# A number with optional thousands separators and decimals, then an optional unit.
_NUMBER = re.compile(
    r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(百万|[kK千wW万萬mM亿億])?(?![a-zA-Z])"
)


def parse_count(text: str | None) -> int | None:
    """The first count written in `text`, or None when there is none ("评论" alone, "-")."""
    if not text:
        return None
    match = _NUMBER.search(text.replace("\xa0", " "))
    if match is None:
        return None
    whole, fraction, unit = match.groups()
    value = float(whole.replace(",", "") + (fraction or ""))
    return int(round(value * _UNITS[(unit or "").lower()]))
