"""Report contexts' shared parts: the header block and the rows of the figures, stories,
incidents and blind-spot tables, as the templates' fields want them (text, already formatted).

Pure: report and digest data in, dicts of text (and `Writer` rich text) out.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from yuqing.alerts.digest.model import BlindSpot, DayFigures, DeadlineLine, IncidentLine, StoryLine
from yuqing.alerts.digest.render import STATE_LABELS, STATUS_LABELS, TREND_ARROWS, format_delta, format_share
from yuqing.alerts.payload import format_local
from yuqing.alerts.reasons import reason_zh
from yuqing.alerts.reports.word import TEXT_LIMIT, Writer, clean_text
from yuqing.config.settings import ReportSettings
from yuqing.config.types import TIER_LABELS, TIER_ORDER

KIND_MARKS = {"daily": "日", "week": "周", "month": "月", "incident": "专"}
EVENT_LABELS = {
    "opened": "立案", "tier_raised": "升级", "acknowledged": "确认", "responded": "回应", "subsided": "平息",
    "closed": "关闭", "recurred": "复发", "growing_again": "再度扩散", "deadline_near": "时限将到",
    "deadline_passed": "时限已过", "copy_deleted": "转载被删除",
}


def chinese_date(day: date) -> str:
    """2026-12-03 → "2026年12月3日"."""
    return f"{day.year}年{day.month}月{day.day}日"


def doc_number(reports: ReportSettings, kind: str, year: int, number: int) -> str:
    """The document number: "舆情日〔2026〕338号" (prefix, kind, year, number)."""
    return f"{reports.doc_number_prefix}{KIND_MARKS[kind]}〔{year}〕{number}号"


def header(reports: ReportSettings, kind: str, number: int, generated_at: datetime, timezone: str) -> dict[str, str]:
    """The header block's fields: unit, mark, document number, issue date, generation time."""
    issued = generated_at.astimezone(ZoneInfo(timezone))
    return {
        "unit": clean_text(reports.unit, 60), "mark": clean_text(reports.mark, 20),
        "doc_number": doc_number(reports, kind, issued.year, number),
        "date_text": chinese_date(issued.date()),
        "generated_text": issued.strftime("%Y-%m-%d %H:%M"),
    }


def number(value: float | int | None, digits: int = 0) -> str:
    """1234567 → "1,234,567"; None → "—"."""
    return "—" if value is None else f"{value:,.{digits}f}"


def figure_rows(now: DayFigures, before: DayFigures) -> list[dict[str, str]]:
    """The figures table: one row per headline figure, this period against the one before."""
    rows = [
        ("采集信息(条)", now.posts, before.posts), ("相关信息(条)", now.relevant, before.relevant),
        ("负面信息(条)", now.negative, before.negative), ("新增相关事件(起)", now.new_stories, before.new_stories),
    ]
    out = [{"name": name, "value": number(a), "before": number(b), "change": format_delta(a, b)}
           for name, a, b in rows]
    out.insert(3, {"name": "负面占比", "value": format_share(now.negative_share),
                   "before": format_share(before.negative_share),
                   "change": format_delta(now.negative_share, before.negative_share, share=True)})
    for tier in reversed(TIER_ORDER):
        a, b = now.tiers.get(tier, 0), before.tiers.get(tier, 0)
        out.append({"name": f"达到{TIER_LABELS[tier]}的事件(起)", "value": number(a), "before": number(b),
                    "change": format_delta(a, b)})
    return out


def overview(label: str, now: DayFigures, before: DayFigures, before_label: str) -> str:
    """One paragraph of the headline figures, in the office's words."""
    tiers = "、".join(f"{TIER_LABELS[t]} {now.tiers.get(t, 0)} 起" for t in reversed(TIER_ORDER))
    return (f"{label}共采集信息 {now.posts:,} 条,其中相关信息 {now.relevant:,} 条(较{before_label}"
            f"{format_delta(now.relevant, before.relevant)}),负面信息 {now.negative:,} 条,负面占比"
            f" {format_share(now.negative_share)};新增相关事件 {now.new_stories:,} 起;达到各级的事件:{tiers}。")


def story_row(writer: Writer, story: StoryLine, timezone: str) -> dict[str, Any]:
    """A tiered or new story's row."""
    trend = f"{TREND_ARROWS[story.trend]} 本期 {story.posts_today} 条,前期 {story.posts_before} 条"
    return {
        "tier": story.tier_label, "link": writer.link(story.title, story.url),
        "sites": number(len(story.sites)), "posts": number(story.posts), "clicks": number(story.clicks_24h),
        "reposts": number(story.reposts), "negativity": f"{story.negativity:.2f}",
        "category": story.category_label,
        "first_seen": format_local(story.first_seen_at, timezone),
        "reason": clean_text(";".join(filter(None, (reason_zh(story.tier_reason) or "—", trend, story.forecast))), 300),
    }


def deadline_text(deadlines: list[DeadlineLine], timezone: str) -> str:
    """"快报 12-03 10:30 按时完成;正面回复 12-03 21:00 已超时" — each deadline and its outcome."""
    if not deadlines:
        return "—"
    return ";".join(f"{d.label} {format_local(d.due_at, timezone)} {STATE_LABELS[d.state]}" for d in deadlines)


def incident_row(writer: Writer, incident: IncidentLine, timezone: str) -> dict[str, Any]:
    """An incident's row: status, who acknowledged it, its deadlines' outcomes."""
    return {
        "id": str(incident.id), "link": writer.link(incident.title, incident.url), "tier": incident.tier_label,
        "status": STATUS_LABELS.get(incident.status, incident.status),
        "acknowledged_by": clean_text(incident.acknowledged_by, 60) or "—",
        "deadlines": deadline_text(incident.deadlines, timezone),
    }


def handling_text(incident: IncidentLine | None, timezone: str) -> str:
    """A story's handling in one cell: status, acknowledger, deadlines — or 未立案."""
    if incident is None:
        return "未立案(未达到立案级别)"
    who = f"({clean_text(incident.acknowledged_by, 60)})" if incident.acknowledged_by else ""
    status = STATUS_LABELS.get(incident.status, incident.status)
    return f"{status}{who};{deadline_text(incident.deadlines, timezone)}"


def blind_rows(spots: list[BlindSpot], timezone: str) -> list[dict[str, str]]:
    """The blind spots table."""
    return [{"source": clean_text(s.source, 80), "site": clean_text(s.site, 80),
             "reasons": clean_text(";".join(s.reasons), TEXT_LIMIT),
             "last_success": format_local(s.last_success_at, timezone)} for s in spots]


def blind_text(spots: list[BlindSpot], sources_total: int) -> str:
    """One sentence on the blind spots."""
    if not spots:
        return f"全部 {sources_total} 个来源运行正常,无监测盲区。"
    return f"{len(spots)} 个来源异常(共 {sources_total} 个),期间这些来源的信息可能缺失:"
