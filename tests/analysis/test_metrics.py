"""docs/spec.md §3 figures: clicks_24h with the first-observation rule, reposts, velocity, origin, negativity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from yuqing.analysis.metrics import Observation, PostFacts, compute_metrics, gain, judge_story

T = datetime(2026, 11, 21, 12, tzinfo=UTC)
H = timedelta(hours=1)


def post(pid: int, site: str, seen: datetime, published: datetime | None, *obs: tuple[datetime, int, int, int],
         **analysis: object) -> PostFacts:
    return PostFacts(
        post_id=pid, site=site, url=f"https://{site}/{pid}", title=f"t{pid}", published_at=published,
        first_seen_at=seen, observations=tuple(Observation(t, v, r, p) for t, v, r, p in obs), **analysis,
    )


def test_a_post_published_inside_the_window_counts_in_full() -> None:
    p = post(1, "a.cn", T, T - 2 * H, (T, 900, 100, 0))
    assert gain(p, "clicks", T - 24 * H, T) == 1_000


def test_a_post_published_earlier_counts_only_its_growth_since_first_seen() -> None:
    p = post(1, "a.cn", T, T - 30 * H, (T, 900, 100, 0), (T + H, 1_500, 150, 0))
    assert gain(p, "clicks", T - 24 * H, T) == 0
    assert gain(p, "clicks", T + H - 24 * H, T + H) == 650


def test_an_unknown_publication_time_counts_as_published_earlier() -> None:
    p = post(1, "a.cn", T, None, (T, 900, 100, 0), (T + H, 1_000, 100, 0))
    assert gain(p, "clicks", T + H - 24 * H, T + H) == 100


def test_growth_inside_and_outside_the_24_hour_window() -> None:
    p = post(1, "a.cn", T, T - H, (T, 100, 0, 0), (T + 10 * H, 5_000, 0, 0), (T + 30 * H, 6_000, 0, 0))
    assert gain(p, "clicks", T + 10 * H - 24 * H, T + 10 * H) == 5_000  # published inside: full
    # published before the window: growth since the last count at or before its start
    assert gain(p, "clicks", T + 30 * H - 24 * H, T + 30 * H) == 6_000 - 100
    assert gain(p, "clicks", T + 40 * H - 24 * H, T + 40 * H) == 6_000 - 5_000
    assert gain(p, "clicks", T + 60 * H - 24 * H, T + 60 * H) == 0  # nothing new in the window


def test_counts_observed_after_the_moment_are_ignored_and_drops_do_not_count() -> None:
    p = post(1, "a.cn", T, T - 30 * H, (T, 500, 0, 0), (T + H, 400, 0, 0), (T + 2 * H, 9_000, 0, 0))
    assert gain(p, "clicks", T + H - 24 * H, T + H) == 0


def test_story_metrics_spread_reposts_velocity_and_origin() -> None:
    posts = [
        post(2, "b.cn", T + H, T + H, (T + H, 300, 0, 10), (T + 2 * H, 1_300, 20, 40)),
        post(1, "a.cn", T, T - 10 * H, (T, 100, 0, 0), (T + 2 * H, 400, 0, 5)),
        post(3, "a.cn", T + 90 * timedelta(minutes=1), None, (T + 90 * timedelta(minutes=1), 50, 0, 0)),
        post(4, "c.cn", T + 3 * H, T + 3 * H, (T + 3 * H, 7, 0, 0)),  # not yet seen at T+2h
    ]
    m = compute_metrics(posts, T + 2 * H)
    assert m.sites == ["a.cn", "b.cn"] and m.posts == 3
    assert m.clicks_24h == 400 + 1_320 + 0
    assert m.reposts == (40 + 5 + 0) + 2
    assert m.clicks_per_hour == 300 + 1_320 + 0  # post 2 was published at the hour's start: in full
    assert m.reposts_per_hour == (5 + 40) + 1  # post 3 appeared in the last hour; post 2 at its start
    assert m.clicks_per_hour_6h == (300 + 1_320) / 6  # post 1 was first seen inside the 6 h
    assert (m.first_post_id, m.first_site, m.first_seen_at) == (1, "a.cn", T)
    assert [(e["site"], e["post_id"]) for e in m.timeline] == [("a.cn", 1), ("b.cn", 2)]
    assert m.timeline[0]["at"] == (T - 10 * H).isoformat()


def test_negativity_is_the_length_weighted_mean_and_the_flag_follows_the_threshold() -> None:
    long_negative = post(1, "a.cn", T, T, length=300, negativity=0.9, negative=True, relevant=True,
                         schemes=("交通局",), category="emergency")
    short_neutral = post(2, "b.cn", T + H, T + H, length=100, negativity=0.1, negative=False,
                         schemes=("交通局", "城管"), category="problem")
    opinion = judge_story([long_negative, short_neutral], None)
    assert opinion.negativity == round((300 * 0.9 + 100 * 0.1) / 400, 4) == 0.7
    assert opinion.negative and opinion.relevant
    assert opinion.schemes == ["交通局", "城管"] and opinion.category == "emergency"
    assert not judge_story([long_negative, short_neutral], 0.75).negative
    assert judge_story([long_negative, short_neutral], 0.7).negative
    assert not judge_story([short_neutral], None).negative


def test_a_step_wise_series_holds_each_count_until_the_next_snapshot() -> None:
    # snapshots only where a count changed: 100 from T, 400 from T + 5 h, 1,000 from T + 30 h
    p = post(1, "a.cn", T, T - 48 * H, (T, 100, 0, 0), (T + 5 * H, 400, 0, 0), (T + 30 * H, 1_000, 0, 0))
    # a window starting between two snapshots starts from the count held then
    assert gain(p, "clicks", T + 4 * H + 30 * timedelta(minutes=1), T + 5 * H + timedelta(minutes=30)) == 300
    assert gain(p, "clicks", T + 5 * H + timedelta(minutes=30), T + 6 * H + timedelta(minutes=30)) == 0
    assert gain(p, "clicks", T + 12 * H, T + 36 * H) == 600  # held 400 at the start, 1,000 at the end
    at = T + 5 * H + timedelta(minutes=30)
    metrics = compute_metrics([p], at)
    assert (metrics.clicks_per_hour, metrics.clicks_per_hour_6h) == (300.0, 300 / 6)
    assert metrics.clicks_24h == 300
