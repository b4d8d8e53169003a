"""Report charts: period and incident data in, PNG bytes out, drawn like the digest's
(`alerts.digest.charts`: its style, its shipped CJK font).

Pure: no database, no network.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from yuqing.alerts.digest.charts import GRID_COLOUR, render_figure, render_series, render_split
from yuqing.alerts.digest.model import OTHER_SITES
from yuqing.alerts.reports.model import IncidentReport, PeriodData
from yuqing.collector.screenshot import crop_drawn

TOP_SITES = 7
PALETTE = ("#d6452f", "#2f6db5", "#3a9a5b", "#e08b1a", "#7b52ab", "#1b9aaa", "#a0522d", "#8a8f98")


def render_period_charts(data: PeriodData) -> dict[str, bytes]:
    """The period's charts by name: daily volume and negative share, split by site and by category."""
    span = "本月" if data.period == "month" else "本周"
    return {
        "daily": render_series(f"{span}每日:相关信息量与负面占比", data.daily, "日"),
        "site": render_split(f"{span}分站点:相关信息(红色为负面)", data.by_site),
        "category": render_split(f"{span}分类型:相关信息(红色为负面)", data.by_category),
    }


def render_incident_charts(report: IncidentReport) -> dict[str, bytes]:
    """The 专报's chart: how many posts carried the statement on each site, over time."""
    zone = ZoneInfo(report.timezone)
    moments = [(seen.astimezone(zone).replace(tzinfo=None), site) for seen, site in report.posts_over_time]
    return {"propagation": render_figure("传播情况:各站点累计帖子数", lambda fig: _propagation(fig, moments))}


def _propagation(fig: Any, posts: list[tuple[datetime, str]]) -> None:
    from matplotlib import dates as mdates
    from matplotlib.ticker import MaxNLocator

    ax = fig.add_subplot()
    ranked = [site for site, _ in Counter(site for _, site in posts).most_common()]
    shown = ranked[:TOP_SITES]
    lines: dict[str, list[datetime]] = {}
    for seen, site in posts:
        lines.setdefault(site if site in shown else OTHER_SITES, []).append(seen)
    total = sorted(seen for seen, _ in posts)
    if total:  # every line runs on past the last post, so the last step and a site that stopped show
        end = total[-1] + max((total[-1] - total[0]) / 10, timedelta(minutes=10))
        ax.step([*total, end], [*range(1, len(total) + 1), len(total)], where="post", color="#333333",
                linewidth=2.2, label="合计")
        for colour, (site, times) in zip(PALETTE, lines.items(), strict=False):
            times = sorted(times)
            ax.step([*times, end], [*range(1, len(times) + 1), len(times)], where="post", color=colour,
                    linewidth=1.5, marker="o", markersize=4, markevery=list(range(len(times))), label=site)
        ax.set_xlim(total[0] - (end - total[-1]), end)
    ax.set_ylabel("累计帖子数")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(color=GRID_COLOUR)
    ax.set_axisbelow(True)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d %H:%M"))
    ax.tick_params(axis="x", labelsize=8)
    if not posts:
        ax.text(0.5, 0.5, "无帖子记录", transform=ax.transAxes, ha="center", va="center", color="#666666")
    else:
        ax.legend(loc="upper left", fontsize=7, frameon=False, ncols=2)


SHOT_RATIO = 1.25  # a screenshot in the 专报 shows the top of the page, at most this many times as tall as wide


def fit_screenshot(png: bytes) -> bytes | None:
    """The top of a kept page's screenshot, without the empty window below a short page and at most
    SHOT_RATIO as tall as wide, as PNG bytes; None when the bytes are not an image (Word could not
    place them)."""
    return crop_drawn(png, SHOT_RATIO)
