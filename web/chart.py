"""The story page's propagation chart, pure: a story's copies (with their snapshots) in, the geometry
of an SVG out — when each site picked the statement up, and clicks and reposts over time. The
template draws it (escaped markup, no script)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from yuqing.analysis.metrics import PostFacts

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP = 124, 40, 16
PLOT_BOTTOM = 170  # the counts plot; the site lanes sit below it


@dataclass
class Chart:
    """Polylines of cumulative clicks and reposts, one dot per copy on its site's lane, axis labels."""

    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT  # the plot's x range
    right: int = WIDTH - RIGHT
    bottom: int = PLOT_BOTTOM
    clicks: str = ""  # SVG polyline points
    reposts: str = ""
    max_clicks: int = 0
    max_reposts: int = 0
    dots: list[tuple[float, float, str, datetime]] = field(default_factory=list)  # x, y, site, first seen
    lanes: list[tuple[float, str]] = field(default_factory=list)  # y, site
    ticks: list[tuple[float, datetime]] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None


def _totals(copies: Sequence[PostFacts], moments: list[datetime]) -> tuple[list[int], list[int]]:
    """Sum over copies of the latest known clicks (views + replies) and reposts at each moment."""
    clicks, reposts = [], []
    for moment in moments:
        c = r = 0
        for copy in copies:
            seen = [o for o in copy.observations if o.at <= moment]
            if seen:
                last = seen[-1]
                c += (last.views or 0) + (last.replies or 0)
                r += last.reposts or 0
        clicks.append(c)
        reposts.append(r)
    return clicks, reposts


def _steps(xs: list[float], values: list[int]) -> list[tuple[float, int]]:
    """Points of a step line: each count is held until the next snapshot (snapshots are written
    only when a count changes), so the line runs flat and rises where the change was seen."""
    points: list[tuple[float, int]] = []
    for i, (px, value) in enumerate(zip(xs, values, strict=True)):
        if i and values[i - 1] != value:
            points.append((px, values[i - 1]))
        points.append((px, value))
    return points


def build_chart(copies: Sequence[PostFacts], now: datetime) -> Chart | None:
    """The chart of a story's spread, or None when it has no copies."""
    if not copies:
        return None
    moments = sorted({o.at for c in copies for o in c.observations} | {c.first_seen_at for c in copies})
    start, end = moments[0], max(moments[-1], min(now, moments[-1]))
    span = max((end - start).total_seconds(), 60.0)
    sites = list(dict.fromkeys(c.site for c in sorted(copies, key=lambda c: c.first_seen_at)))[:8]
    lane_height = (HEIGHT - PLOT_BOTTOM - 20) / max(len(sites), 1)
    chart = Chart(start=start, end=end, height=HEIGHT if sites else PLOT_BOTTOM + 20)

    def x(moment: datetime) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * (moment - start).total_seconds() / span, 1)

    clicks, reposts = _totals(copies, moments)
    chart.max_clicks, chart.max_reposts = max(clicks), max(reposts)
    for values, attr, top in ((clicks, "clicks", chart.max_clicks), (reposts, "reposts", chart.max_reposts)):
        scale = (PLOT_BOTTOM - TOP) / top if top else 0.0
        setattr(chart, attr, " ".join(f"{px},{round(PLOT_BOTTOM - v * scale, 1)}"
                                      for px, v in _steps([x(m) for m in moments], values)))
    chart.lanes = [(round(PLOT_BOTTOM + 24 + i * lane_height, 1), site) for i, site in enumerate(sites)]
    lane_y = dict((site, y) for y, site in chart.lanes)
    chart.dots = [(x(c.first_seen_at), lane_y[c.site], c.site, c.first_seen_at)
                  for c in copies if c.site in lane_y]
    chart.ticks = [(x(start + (end - start) * i / 4), start + (end - start) * i / 4) for i in range(5)]
    return chart


def highlight(text: str, words: Sequence[str]) -> list[tuple[str, bool]]:
    """Text cut into (piece, is a scheme term) for <mark>; matching ignores case."""
    lowered = text.lower() if len(text.lower()) == len(text) else text
    marks = [False] * len(text)
    for word in {w.lower() for w in words if w}:
        at = lowered.find(word)
        while at >= 0:
            marks[at:at + len(word)] = [True] * len(word)
            at = lowered.find(word, at + len(word))
    pieces: list[tuple[str, bool]] = []
    for char, mark in zip(text, marks, strict=True):
        if pieces and pieces[-1][1] == mark:
            pieces[-1] = (pieces[-1][0] + char, mark)
        else:
            pieces.append((char, mark))
    return pieces
