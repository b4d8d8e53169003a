"""Digest charts: `DigestData` in, PNG bytes out (matplotlib, Agg, the shipped CJK font).

Pure: no database, no network. The font is registered with matplotlib on first render, never
at import, so importing this module costs nothing.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from yuqing.alerts.digest.model import DigestData, SeriesPoint

FONT_PATH = Path(__file__).parent.parent / "fonts" / "NotoSansCJKsc-Regular-GB2312.otf"
RELEVANT_COLOUR = "#2f6db5"
NEGATIVE_COLOUR = "#d6452f"
GRID_COLOUR = "#e3e6ea"
CHART_TITLES = {
    "hourly": "当日分时:相关信息量与负面占比",
    "daily": "近 7 日:相关信息量与负面占比",
    "site": "当日分站点:相关信息(红色为负面)",
    "category": "当日分类型:相关信息(红色为负面)",
}
WIDTH_IN, HEIGHT_IN, DPI = 7.2, 2.9, 130


@functools.cache
def font_family() -> str:
    """Register the shipped font with matplotlib (once) and return its family name."""
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(FONT_PATH))
    return font_manager.FontProperties(fname=str(FONT_PATH)).get_name()


def render_charts(data: DigestData) -> dict[str, bytes]:
    """Every chart of the digest as PNG bytes, by name (hourly, daily, site, category)."""
    draw: dict[str, Callable[[Any], None]] = {
        "hourly": lambda fig: _volume_and_share(fig, data.hourly, "时"),
        "daily": lambda fig: _volume_and_share(fig, data.daily, "日"),
        "site": lambda fig: _split(fig, data.by_site),
        "category": lambda fig: _split(fig, data.by_category),
    }
    return {name: render_figure(CHART_TITLES[name], paint) for name, paint in draw.items()}


def render_series(title: str, points: list[SeriesPoint], unit: str) -> bytes:
    """One volume-and-negative-share chart (bars and a line) over `points`, as PNG bytes."""
    return render_figure(title, lambda fig: _volume_and_share(fig, points, unit))


def render_split(title: str, points: list[SeriesPoint]) -> bytes:
    """One horizontal split chart (negative and other relevant posts per label), as PNG bytes."""
    return render_figure(title, lambda fig: _split(fig, points))


def render_figure(title: str, paint: Callable[[Any], None]) -> bytes:
    """A titled figure in the digest's style and font; `paint(fig)` draws it. PNG bytes out."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    style = {"font.family": [font_family()], "font.size": 9, "axes.unicode_minus": False,
             "axes.edgecolor": "#9aa3ad", "axes.titleweight": "bold"}
    with matplotlib.rc_context(style):
        fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
        fig.suptitle(title, fontsize=11)
        paint(fig)
        buffer = io.BytesIO()
        FigureCanvasAgg(fig).print_png(buffer, metadata={"Software": None})
    return buffer.getvalue()


def _volume_and_share(fig: Any, points: list[SeriesPoint], unit: str) -> None:
    ax = fig.add_subplot()
    labels = [p.label for p in points]
    ax.bar(labels, [p.relevant for p in points], color=RELEVANT_COLOUR, label="相关信息量(条)")
    ax.set_ylabel("条")
    ax.grid(axis="y", color=GRID_COLOUR)
    ax.set_axisbelow(True)
    ax.tick_params(axis="x", labelsize=8)
    share = ax.twinx()
    xs = [i for i, p in enumerate(points) if p.share is not None]
    share.plot(xs, [100 * (points[i].share or 0) for i in xs], color=NEGATIVE_COLOUR,
               marker="o", markersize=3, linewidth=1.8, label="负面占比(%)")
    share.set_ylim(0, 105)
    share.set_ylabel("负面占比 %")
    ax.set_xlabel(unit)
    if not any(p.relevant for p in points):
        ax.text(0.5, 0.5, "无相关信息", transform=ax.transAxes, ha="center", va="center", color="#666666")
    handles = ax.get_legend_handles_labels()[0] + share.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, fontsize=8, frameon=False)


def _split(fig: Any, points: list[SeriesPoint]) -> None:
    ax = fig.add_subplot()
    ordered = list(reversed(points))  # largest at the top
    labels = [p.label for p in ordered]
    negative = [p.negative for p in ordered]
    other = [p.relevant - p.negative for p in ordered]
    ax.barh(labels, negative, color=NEGATIVE_COLOUR, label="负面")
    ax.barh(labels, other, left=negative, color=RELEVANT_COLOUR, label="其他相关")
    for y, p in enumerate(ordered):
        ax.text(p.relevant, y, f" {p.relevant}", va="center", fontsize=8)
    ax.grid(axis="x", color=GRID_COLOUR)
    ax.set_axisbelow(True)
    ax.set_xlabel("条")
    if not points:
        ax.text(0.5, 0.5, "无相关信息", transform=ax.transAxes, ha="center", va="center", color="#666666")
        ax.set_yticks([])
    else:
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, fontsize=8, frameon=False)
        ax.set_xlim(0, max(p.relevant for p in points) * 1.15 + 1)
