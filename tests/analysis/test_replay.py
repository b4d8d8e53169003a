"""Replay: tier raises re-derived from stored observations under other thresholds."""

from __future__ import annotations

from datetime import timedelta

from tests.analysis.test_metrics import H, T, post
from yuqing.analysis.replay import observation_times, replay_story
from yuqing.config.settings import TierSettings


def story() -> list:
    return [
        post(1, "a.cn", T, T, (T, 600, 0, 0), (T + H, 3_000, 0, 0), (T + 2 * H, 20_000, 0, 0),
             negativity=0.9, negative=True, relevant=True, length=200),
        post(2, "b.cn", T + H, T + H, (T + H, 500, 0, 0), (T + 2 * H, 900, 0, 0),
             negativity=0.8, negative=True, relevant=True, length=200),
    ]


def test_replay_lists_each_raise_when_it_would_have_happened() -> None:
    changes = replay_story(story(), TierSettings(), T - H, T + 3 * H)
    assert [(c.at, c.tier, c.previous) for c in changes] == [
        (T, "general", None), (T + H, "significant", "general"), (T + 2 * H, "major", "significant")]
    assert changes[2].reason == "sites 2 ≥ 2 and clicks_24h 20,900 > 10,000"


def test_other_thresholds_and_a_later_start_change_the_list() -> None:
    strict = TierSettings.model_validate({"significant": {"clicks_24h": 5_000, "reposts": 100},
                                          "major": {"clicks_24h": 30_000, "reposts": 300}})
    changes = replay_story(story(), strict, T + H + timedelta(minutes=1), T + 3 * H)
    assert [(c.at, c.tier, c.previous) for c in changes] == [(T + 2 * H, "significant", "general")]
    assert observation_times(story(), T + H) == [T, T + H]
