"""Counts written as text: "1.2万", "10万+", "评论(356)", Traditional units."""

from __future__ import annotations

import pytest

from yuqing.collector.counts import parse_count


@pytest.mark.parametrize(("text", "count"), [
    ("转发 1.2万", 12_000), ("评论(356)", 356), ("阅读 10万+", 100_000), ("轉發 2.3萬", 23_000),
    ("1,234", 1_234), ("3.5k", 3_500), ("10w+", 100_000), ("1.5亿", 150_000_000), ("回复 0", 0),
    ("查看:\xa012", 12), ("赞 99+", 99),
])
def test_counts_are_read(text: str, count: int) -> None:
    assert parse_count(text) == count


@pytest.mark.parametrize("text", ["评论", "转发", "", None, "-"])
def test_no_number_is_no_count(text: str | None) -> None:
    assert parse_count(text) is None
