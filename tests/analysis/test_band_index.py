"""The in-memory LSH index: look-ups with the per-key cap and the time span, ranking, add and prune."""

from __future__ import annotations

import numpy as np

from analysis.band_index import BandIndex, Counted, band_keys

WIDTH = 4  # bands per post in these tests


def _hashes(*rows: list[int]) -> np.ndarray:
    return np.array(rows, dtype=np.int64).reshape(-1, WIDTH)


def _query(index: BandIndex, row: list[int], hour: int, *, span: int = 72, cap: int = 32, stories: int = 6,
           posts: int = 2) -> list[Counted]:
    keys = band_keys(np.arange(WIDTH), _hashes(row))
    return index.lookup(keys, np.array([hour]), span, cap, stories, posts)[0]


def test_the_same_hash_in_another_band_is_another_key() -> None:
    keys = band_keys(np.array([0, 1, 0]), np.array([7, 7, 7]))
    assert keys[0] == keys[2] != keys[1]


def test_a_post_sharing_bands_is_found_once_with_the_number_shared() -> None:
    index = BandIndex.from_posts(5, np.array([10, 11]), np.array([100, 101]), np.array([1000, 1000]),
                                 _hashes([1, 2, 3, 4], [1, 9, 9, 9]))
    found = _query(index, [1, 2, 3, 50], 1001)
    assert sorted(found) == [Counted(10, 100, 3), Counted(11, 101, 1)]
    assert _query(index, [60, 61, 62, 63], 1001) == []
    assert index.generation == 5 and len(index) == 2


def test_posts_outside_the_span_are_left_out() -> None:
    index = BandIndex.from_posts(0, np.array([1, 2]), np.array([1, 2]), np.array([1000, 1100]),
                                 _hashes([1, 2, 3, 4], [1, 2, 3, 4]))
    assert [c.post_id for c in _query(index, [1, 2, 3, 4], 1100, span=72)] == [2]
    assert sorted(c.post_id for c in _query(index, [1, 2, 3, 4], 1100, span=100)) == [1, 2]


def test_a_popular_key_yields_only_its_newest_posts() -> None:
    count = 50
    index = BandIndex.from_posts(0, np.arange(1, count + 1), np.arange(1, count + 1),
                                 np.full(count, 1000), np.array([[7, 100 + i, 200 + i, 300 + i] for i in range(count)]))
    found = _query(index, [7, 0, 0, 0], 1000, cap=5, stories=100)
    assert sorted(c.post_id for c in found) == [46, 47, 48, 49, 50]


def test_stories_sharing_most_bands_are_kept_and_their_best_posts() -> None:
    # Story 100 has three posts sharing 3, 2 and 2 bands; story 200 one post sharing 4; story 300 one sharing 1.
    index = BandIndex.from_posts(0, np.array([1, 2, 3, 4, 5]), np.array([100, 100, 100, 200, 300]),
                                 np.full(5, 1000),
                                 _hashes([1, 2, 3, 0], [1, 2, 0, 0], [1, 2, 0, 0], [1, 2, 3, 4], [1, 0, 0, 0]))
    found = _query(index, [1, 2, 3, 4], 1000, stories=2, posts=2)
    assert sorted(found) == [Counted(1, 100, 3), Counted(3, 100, 2), Counted(4, 200, 4)]


def test_built_from_band_rows_or_from_posts_the_index_answers_alike() -> None:
    rng = np.random.default_rng(3)
    hashes = rng.integers(0, 6, size=(40, WIDTH))
    post_ids, story_ids, hours = np.arange(1, 41), rng.integers(1, 10, 40), np.sort(rng.integers(900, 1000, 40))
    by_posts = BandIndex.from_posts(0, post_ids, story_ids, hours, hashes)
    by_rows = BandIndex.from_rows(0, np.tile(np.arange(WIDTH), 40), hashes.ravel(), np.repeat(post_ids, WIDTH),
                                  np.repeat(story_ids, WIDTH), np.repeat(hours, WIDTH))
    for row in hashes[:10]:
        assert sorted(_query(by_posts, row.tolist(), 990, cap=3)) == sorted(_query(by_rows, row.tolist(), 990, cap=3))


def test_added_posts_are_found_and_count_as_newest() -> None:
    index = BandIndex.from_posts(0, np.array([1, 2]), np.array([1, 2]), np.array([1000, 1000]),
                                 _hashes([7, 1, 1, 1], [7, 2, 2, 2]))
    index.add([3], [30], [1001], [[(0, 7), (1, 5), (2, 5), (3, 5)]])
    assert [c.post_id for c in _query(index, [7, 0, 0, 0], 1001, cap=1)] == [3]
    assert _query(index, [0, 5, 5, 0], 1001) == [Counted(3, 30, 2)]


def test_pruned_posts_are_gone_and_the_rest_still_found() -> None:
    index = BandIndex.from_posts(0, np.array([1, 2, 3]), np.array([10, 20, 30]), np.array([900, 950, 1000]),
                                 _hashes([1, 2, 3, 4], [1, 2, 3, 5], [1, 2, 6, 7]))
    assert index.prune(950) == 1
    assert len(index) == 2 and len(index.keys) == 2 * WIDTH
    assert sorted(_query(index, [1, 2, 3, 5], 1000)) == [Counted(2, 20, 4), Counted(3, 30, 2)]
    assert index.prune(900) == 0
