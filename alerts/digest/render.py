"""Digest rendering: `DigestData` + chart images in, email-safe HTML and Markdown out.

Pure: jinja2 templates in `alerts/templates/`, autoescaped HTML; every value in the Markdown
file is backslash-escaped (CommonMark) unless it is a link target made safe here; the bots'
summary uses the bots' escaping (`alerts.escaping`). Only http(s) links are ever written.
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape

from yuqing.alerts import escaping
from yuqing.alerts.digest.model import DigestData, format_span
from yuqing.alerts.escaping import http_url as safe_url  # checked, not encoded: HTML autoescapes
from yuqing.alerts.payload import format_local, format_time
from yuqing.alerts.reasons import reason_zh
from yuqing.config.types import TIER_LABELS, TIER_LEVELS, TIER_ORDER

STATE_LABELS = {"met": "按时完成", "late": "超时完成", "missed": "已超时", "pending": "未到期"}
STATUS_LABELS = {
    "open": "待处置", "acknowledged": "已确认", "responded": "已回应", "subsided": "已平息",
    "closed": "已关闭", "recurred": "复发",
}
TREND_ARROWS = {"up": "↑", "down": "↓", "flat": "→"}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#!|~&])")


class MarkdownSafe(str):
    """Text already safe for Markdown (a link target built by `md_url`)."""


def escape_markdown(value: Any) -> str:
    """Web text made inert in Markdown: one line, every markup character backslash-escaped."""
    if isinstance(value, MarkdownSafe):
        return value
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_url(url: str | None) -> MarkdownSafe | None:
    """An http(s) URL as a Markdown link target `<…>`, with spaces and angle brackets encoded."""
    safe = safe_url(url)
    return MarkdownSafe("<" + quote(safe, safe="/:?#[]@!$&'()*+,;=%~-._") + ">") if safe else None


def md_link(title: str | None, url: str | None) -> MarkdownSafe:
    """`[title](<url>)` with the title escaped, or the escaped title alone without a usable URL."""
    text = escape_markdown(title or "(无标题)")
    target = md_url(url)
    return MarkdownSafe(f"[{text}]({target})" if target else text)


def _environment(markdown: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("yuqing.alerts", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=escape_markdown if markdown else None,
    )
    env.filters.update(num=format_number, pct=format_share, delta=format_delta, span=format_span,
                       safe_url=safe_url, md_url=md_url, reason_zh=reason_zh)
    env.globals.update(tier_labels=TIER_LABELS, tier_levels=TIER_LEVELS, tier_order=TIER_ORDER,
                       state_labels=STATE_LABELS, status_labels=STATUS_LABELS, arrows=TREND_ARROWS,
                       md_link=md_link)
    return env


@functools.cache
def _environments() -> tuple[Environment, Environment]:
    return _environment(False), _environment(True)


def render_html(data: DigestData, images: Mapping[str, str]) -> str:
    """The digest as email-safe HTML; `images` maps chart name → src (`cid:…` or `data:…`)."""
    template = _environments()[0].get_template("digest.html.j2")
    return template.render(d=data, images=images, local=_localiser(data.timezone))


def render_markdown(data: DigestData) -> str:
    """The digest as Markdown, with the chart series as tables."""
    template = _environments()[1].get_template("digest.md.j2")
    return template.render(d=data, local=_localiser(data.timezone))


def data_uris(pngs: Mapping[str, bytes]) -> dict[str, str]:
    """Chart PNGs as `data:` URIs, for the HTML file."""
    return {name: "data:image/png;base64," + base64.b64encode(png).decode("ascii") for name, png in pngs.items()}


def content_ids(data: DigestData, pngs: Mapping[str, bytes]) -> dict[str, str]:
    """A Content-ID (without brackets) per chart, for the email's inline images."""
    return {name: f"chart-{name}-{data.day.isoformat()}@yuqing" for name in pngs}


def format_number(value: float | int | None, digits: int = 0) -> str:
    """1234567 → "1,234,567"; None → "—"."""
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def format_share(value: float | None) -> str:
    """0.1234 → "12.3%"; None → "—"."""
    return "—" if value is None else f"{100 * value:.1f}%"


def format_delta(today: float | int | None, before: float | int | None, share: bool = False) -> str:
    """The change from the day before: "+12", "-3", "持平", in points for shares."""
    if today is None or before is None:
        return "—"
    change = today - before
    if share:
        return "持平" if abs(change) < 0.0005 else f"{100 * change:+.1f} 个百分点"
    return "持平" if change == 0 else f"{change:+,}"


def digest_summary(data: DigestData, location: str | None = None) -> str:
    """A few lines of the bots' markdown: headline figures, top stories, where the digest is."""
    t, b = data.today, data.before
    lines = [
        f"**舆情日报 {data.day.isoformat()}**",
        f"- 相关信息 {t.relevant:,} 条({format_delta(t.relevant, b.relevant)}),"
        f"负面 {t.negative:,} 条,负面占比 {format_share(t.negative_share)}",
        f"- 新增相关事件 {t.new_stories:,} 起;" + ",".join(
            f"{TIER_LABELS[tier]} {t.tiers[tier]}" for tier in reversed(TIER_ORDER)
        ) + "(当日升级)",
    ]
    for story in data.attention[:3]:
        lines.append(f"- 【{story.tier_label}】" + _bot_link(story.title, story.url))
    if data.blind_spots:
        lines.append(f"- 监测盲区:{len(data.blind_spots)} 个来源异常")
    if location:
        lines.append(f"- 全文:{escaping.safe_url(location) or _code_span(location)}")
    return "\n".join(lines)


def _bot_link(title: str | None, url: str | None) -> str:
    """`[title](url)` in the bots' markdown (as alert.md.j2 writes links), or the title alone."""
    text = escaping.escape_markdown(escaping.one_line(title or "(无标题)", 120))
    target = escaping.safe_url(url)
    return f"[{text}]({target})" if target else text


def _code_span(text: str) -> str:
    """A file path as inline code (shown verbatim), escaped text if it holds a backtick."""
    return escaping.escape_markdown(text) if "`" in text or "\n" in text else f"`{text}`"


def digest_event(data: DigestData, *, uid: str, location: str | None = None) -> dict[str, Any]:
    """The generic webhook's `digest.ready` payload (docs/spec.md §9); `location` is a URL or a file path."""
    t = data.today
    return {
        "event": "digest.ready",
        "id": uid,
        "day": data.day.isoformat(),
        "title": f"舆情日报 {data.day.isoformat()}",
        "summary": digest_summary(data, location),
        "url": safe_url(location),
        "path": None if safe_url(location) else location,
        "figures": {
            "posts": t.posts, "relevant": t.relevant, "negative": t.negative,
            "new_stories": t.new_stories, "tiers": dict(t.tiers),
        },
        "stories": [{"story_id": s.id, "title": s.title, "tier": s.tier, "url": s.url} for s in data.attention],
        "blind_spots": [s.source for s in data.blind_spots],
        "generated_at": format_time(data.generated_at, data.timezone),
    }


def _localiser(timezone: str) -> Callable[..., str]:
    """`local(moment, pattern=…)` for the templates: format_local in the digest's time zone."""
    return lambda moment, pattern="%m-%d %H:%M": format_local(moment, timezone, pattern)
