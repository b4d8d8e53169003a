"""Canonical URLs and post keys: one post is one row."""

from __future__ import annotations

import pytest

from yuqing.collector.normalize import canonical_url, post_key

THREAD = "https://bbs.example.cn/forum.php?mod=viewthread&tid=123"


@pytest.mark.parametrize("url", [
    "https://bbs.example.cn/thread-123-1-1.html",
    "https://BBS.example.cn:443/thread-123-1-3.html#pid9",
    "https://bbs.example.cn/forum.php?mod=viewthread&tid=123&extra=page%3D1",
    "https://bbs.example.cn/forum.php?tid=123&mod=viewthread&page=1&fromuid=5&highlight=%E6%A1%A5",
])
def test_discuz_thread_urls_unify(url: str) -> None:
    assert canonical_url(url) == THREAD


def test_later_thread_pages_and_subfolders_stay_distinct() -> None:
    assert canonical_url("https://b.cn/bbs/thread-9-2-1.html") == "https://b.cn/bbs/forum.php?mod=viewthread&page=2&tid=9"


def test_tracking_parameters_are_dropped_and_real_ones_kept() -> None:
    url = "http://news.example.cn/a/1.html?utm_source=wx&id=3&spm=a.b&from=timeline&page=2"
    assert canonical_url(url) == "http://news.example.cn/a/1.html?id=3&page=2"


def test_gbk_escapes_in_queries_survive_byte_for_byte() -> None:
    assert canonical_url("http://a.cn/s.php?q=%C4%E3%BA%C3&utm_medium=x") == "http://a.cn/s.php?q=%C4%E3%BA%C3"


def test_post_key_prefers_url_then_guid_and_stays_within_the_column() -> None:
    assert post_key(THREAD + "&extra=x", "g") == THREAD
    assert post_key(None, " urn:1 ") == "guid:urn:1"
    long_key = post_key("http://a.cn/" + "x" * 2000, None)
    assert len(long_key) <= 512 and long_key != post_key("http://a.cn/" + "x" * 1999 + "y", None)
    with pytest.raises(ValueError):
        post_key(None, None)
