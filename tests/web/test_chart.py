"""The propagation chart's geometry and the scheme-term marks, from plain values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from yuqing.analysis.metrics import Observation, PostFacts
from yuqing.web.chart import HEIGHT, LEFT, PLOT_BOTTOM, build_chart, highlight

T0 = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)


def _copy(site: str, minutes: int, views: list[int], reposts: int = 0) -> PostFacts:
    at = T0 + timedelta(minutes=minutes)
    observations = tuple(Observation(at + timedelta(minutes=10 * i), v, 0, reposts) for i, v in enumerate(views))
    return PostFacts(post_id=minutes, site=site, url="http://x/", title="t", published_at=None, first_seen_at=at,
                     observations=observations)


def test_the_chart_puts_each_site_on_its_lane_at_its_first_sighting() -> None:
    chart = build_chart([_copy("a.cn", 0, [10, 100]), _copy("b.cn", 60, [5], reposts=40)], T0 + timedelta(hours=2))
    assert chart is not None
    assert [site for _, site in chart.lanes] == ["a.cn", "b.cn"]
    (x_a, y_a, site_a, _), (x_b, y_b, site_b, _) = sorted(chart.dots)
    assert (site_a, x_a) == ("a.cn", LEFT) and site_b == "b.cn" and x_b > x_a and y_b > y_a
    assert chart.max_clicks == 105 and chart.max_reposts == 40
    last_click_y = float(chart.clicks.split()[-1].split(",")[1])
    assert last_click_y < PLOT_BOTTOM and chart.height == HEIGHT


def test_no_copies_no_chart() -> None:
    assert build_chart([], T0) is None


def test_highlight_marks_every_occurrence_ignoring_case() -> None:
    assert highlight("Yuqing 交通局说交通局", ["交通局", "yuqing"]) == [
        ("Yuqing", True), (" ", False), ("交通局", True), ("说", False), ("交通局", True)]
    assert highlight("无关", ["交通局"]) == [("无关", False)]


def test_the_counts_are_drawn_as_steps_held_until_the_next_snapshot() -> None:
    # 10 views at T0, unchanged until 100 at T0 + 10 min, held until 130 at T0 + 20 min
    chart = build_chart([_copy("a.cn", 0, [10, 100, 130])], T0 + timedelta(hours=1))
    assert chart is not None
    points = [tuple(float(n) for n in p.split(",")) for p in chart.clicks.split()]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    assert len(points) == 5 and xs == sorted(xs)
    assert xs[1] == xs[2] and ys[0] == ys[1]  # flat until the change, then straight up
    assert xs[3] == xs[4] and ys[2] == ys[3] and ys[4] < ys[3]
