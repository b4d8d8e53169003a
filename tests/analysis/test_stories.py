"""Story assignment, pure: title keys, the headline rule, and how the Assigner decides for short texts."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from tests.analysis.factory import OFFICIAL_REPLY, STATEMENT, T0
from yuqing.analysis.band_index import BandIndex, Counted, band_keys
from yuqing.analysis.similarity import band_layout
from yuqing.analysis.stories import (
    TITLE_BAND,
    TITLE_WEIGHT,
    Assigner,
    Incoming,
    compute_bands,
    headline_match,
    title_keys,
)
from yuqing.analysis.text import statement_text

TITLE = statement_text("江城市交通局门口渣土车失控撞倒三名市民", "")


def test_a_title_and_the_lead_it_starts_share_a_key_and_short_parts_have_none() -> None:
    full = statement_text("", "江城市交通局门口渣土车失控撞倒三名市民。" + STATEMENT)
    assert title_keys(TITLE, "") == title_keys("", full) != []
    assert title_keys("情况通报", "") == []
    assert all(key != 0 for key in title_keys(TITLE, full))


def test_the_headline_must_be_whole_informative_and_near_the_start() -> None:
    full = TITLE + statement_text("", STATEMENT)
    assert headline_match(statement_text("【转】江城市交通局门口渣土车失控撞倒三名市民", ""), full)
    assert headline_match(full, TITLE)  # either way round
    assert not headline_match("情况通报", "情况通报" + statement_text("", OFFICIAL_REPLY))  # too short
    assert not headline_match(TITLE.replace("三", "五"), full)  # one character off is another statement
    assert not headline_match(TITLE, statement_text("", STATEMENT) * 2 + TITLE)  # far from the start


def _assigner(texts: dict[int, str], sizes: dict[int, int] | None = None, full: set[int] | None = None) -> Assigner:
    return Assigner(lambda ids: {}, lambda ids: {i: texts[i] for i in ids if i in texts}, 0.7, timedelta(hours=72),
                    lambda ids: set(full or ()) & set(ids), lambda ids: {i: n for i, n in (sizes or {}).items()
                                                                      if i in ids})


def _incoming(post_id: int, text: str) -> Incoming:
    _, sketches = compute_bands([text], band_layout(0.35))
    return Incoming(post_id, text, T0, sketches[0])


def test_a_title_only_post_joins_the_one_story_it_heads() -> None:
    full = TITLE + statement_text("", STATEMENT)
    assigner = _assigner({1: full}, full={10})
    joined = assigner.assign(_incoming(5, TITLE), [], [Counted(1, 10, TITLE_WEIGHT)])
    assert (joined.story_id, joined.founded) == (10, False)


def test_a_title_several_stories_share_goes_only_to_one_spreading_clearly_more() -> None:
    other = TITLE + statement_text("", OFFICIAL_REPLY)
    full = TITLE + statement_text("", STATEMENT)
    candidates = [Counted(1, 10, TITLE_WEIGHT), Counted(2, 20, TITLE_WEIGHT)]
    level = _assigner({1: full, 2: other}, sizes={10: 2, 20: 2}).assign(_incoming(5, TITLE), [], candidates)
    assert level.founded
    spreading = _assigner({1: full, 2: other}, sizes={10: 6, 20: 1}).assign(_incoming(5, TITLE), [], candidates)
    assert (spreading.story_id, spreading.founded) == (10, False)


def test_a_full_text_joins_a_title_only_story_but_not_one_with_another_full_text() -> None:
    full = _incoming(5, TITLE + statement_text("", STATEMENT))
    alone = _assigner({1: TITLE}).assign(full, [], [Counted(1, 10, TITLE_WEIGHT)])
    assert (alone.story_id, alone.founded) == (10, False)
    told = _assigner({1: TITLE}, full={10}).assign(full, [], [Counted(1, 10, TITLE_WEIGHT)])
    assert told.founded  # story 10 already holds a full text, and this one did not match it


def test_a_boilerplate_only_post_never_joins_by_its_title() -> None:
    template = Incoming(5, TITLE, T0, _incoming(5, TITLE).sketch, template=True)
    assert _assigner({1: TITLE + statement_text("", STATEMENT)}).assign(template, [], [Counted(1, 10, 32)]).founded


def test_title_keys_rank_first_only_for_the_short_queries_that_ask() -> None:
    # post 1 shares 3 LSH bands with the query; post 2 shares only the title key.
    bands = np.array([0, 1, 2, TITLE_BAND, 0, TITLE_BAND])
    hashes = np.array([7, 8, 9, 99, 1, 55])
    index = BandIndex.from_rows(bands, hashes, np.array([1, 1, 1, 1, 2, 2]), np.array([10, 10, 10, 10, 20, 20]),
                                np.full(6, 1000), heavy=(TITLE_BAND, TITLE_WEIGHT))
    query = band_keys(np.array([0, 1, 2, TITLE_BAND]), np.array([[7, 8, 9, 55]]))
    plain = index.lookup(query, np.array([1000]), 72, 32, 1, 2)[0]
    weighted = index.lookup(query, np.array([1000]), 72, 32, 1, 2, np.array([True]))[0]
    assert plain == [Counted(1, 10, 3)] and weighted == [Counted(2, 20, TITLE_WEIGHT)]
