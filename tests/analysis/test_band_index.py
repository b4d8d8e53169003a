"""Candidate ranking over stored band rows: the per-key cap, the time span, stories then posts."""

from __future__ import annotations

import numpy as np

from yuqing.analysis.band_index import BandIndex, Counted, band_keys

WIDTH = 4  # bands per post in these tests


def _index(post_ids: list[int], story_ids: list[int], hours: list[int], hashes: list[list[int]]) -> BandIndex:
    """An index of story_bands rows: for each post, one row per band of its hashes."""
    count = len(post_ids)
    return BandIndex.from_rows(np.tile(np.arange(WIDTH), count), np.array(hashes).ravel(),
                               np.repeat(post_ids, WIDTH), np.repeat(story_ids, WIDTH), np.repeat(hours, WIDTH))


def _query(index: BandIndex, row: list[int], hour: int, *, span: int = 72, cap: int = 32, stories: int = 6,
           posts: int = 2) -> list[Counted]:
    keys = band_keys(np.arange(WIDTH), np.array([row]))
    return index.lookup(keys, np.array([hour]), span, cap, stories, posts)[0]


def test_the_same_hash_in_another_band_is_another_key() -> None:
    keys = band_keys(np.array([0, 1, 0]), np.array([7, 7, 7]))
    assert keys[0] == keys[2] != keys[1]


def test_a_post_sharing_bands_is_found_once_with_the_number_shared() -> None:
    index = _index([10, 11], [100, 101], [1000, 1000], [[1, 2, 3, 4], [1, 9, 9, 9]])
    assert sorted(_query(index, [1, 2, 3, 50], 1001)) == [Counted(10, 100, 3), Counted(11, 101, 1)]
    assert _query(index, [60, 61, 62, 63], 1001) == []
    assert len(index) == 2


def test_posts_outside_the_span_are_left_out() -> None:
    index = _index([1, 2], [1, 2], [1000, 1100], [[1, 2, 3, 4], [1, 2, 3, 4]])
    assert [c.post_id for c in _query(index, [1, 2, 3, 4], 1100, span=72)] == [2]
    assert sorted(c.post_id for c in _query(index, [1, 2, 3, 4], 1100, span=100)) == [1, 2]
    assert _query(index, [1, 2, 3, 4], 1300, span=72) == []


def test_a_popular_key_yields_only_its_newest_posts() -> None:
    count = 50
    index = _index(list(range(1, count + 1)), list(range(1, count + 1)), [1000 + i // 10 for i in range(count)],
                   [[7, 100 + i, 200 + i, 300 + i] for i in range(count)])
    found = _query(index, [7, 0, 0, 0], 1004, cap=5, stories=100)
    assert sorted(c.post_id for c in found) == [46, 47, 48, 49, 50]


def test_stories_sharing_most_bands_are_kept_and_their_best_posts() -> None:
    # Story 100 has three posts sharing 3, 2 and 2 bands; story 200 one post sharing 4; story 300 one sharing 1.
    index = _index([1, 2, 3, 4, 5], [100, 100, 100, 200, 300], [1000] * 5,
                   [[1, 2, 3, 0], [1, 2, 0, 0], [1, 2, 0, 0], [1, 2, 3, 4], [1, 0, 0, 0]])
    found = _query(index, [1, 2, 3, 4], 1000, stories=2, posts=2)
    assert sorted(found) == [Counted(1, 100, 3), Counted(3, 100, 2), Counted(4, 200, 4)]


def test_every_query_of_a_batch_gets_its_own_list() -> None:
    index = _index([1, 2], [10, 20], [1000, 1000], [[1, 2, 3, 4], [5, 6, 7, 8]])
    keys = band_keys(np.arange(WIDTH), np.array([[5, 6, 0, 0], [9, 9, 9, 9], [1, 0, 0, 4]]))
    assert index.lookup(keys, np.array([1000, 1000, 1000]), 72, 32, 6, 2) == [
        [Counted(2, 20, 2)], [], [Counted(1, 10, 2)]]
