"""Report rendering: digest, period or incident data + chart PNGs + the `[reports]` settings in,
.docx bytes out, through the office's template (`template_path`: theirs, else the shipped one).

Pure apart from reading the template file: every value is formatted text or `Writer` output.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from yuqing.alerts.digest.model import DigestData
from yuqing.alerts.digest.render import STATE_LABELS, STATUS_LABELS, format_delta
from yuqing.alerts.payload import format_local
from yuqing.alerts.reasons import reason_zh
from yuqing.alerts.reports import rows
from yuqing.alerts.reports.charts import fit_screenshot
from yuqing.alerts.reports.model import EvidenceLine, IncidentReport, PeriodData
from yuqing.alerts.reports.word import TEXT_LIMIT, Writer, clean_text, render_document
from yuqing.config.settings import ReportSettings
from yuqing.config.types import CATEGORY_LABELS, TIER_LABELS

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE_NAMES = ("daily", "period", "incident")
METRIC_LABELS = {
    "sites": "传播站点(个)", "posts": "帖子(条)", "clicks_24h": "24小时点击与回复", "reposts": "转发",
    "clicks_per_hour": "每小时点击", "reposts_per_hour": "每小时转发",
}


def template_path(reports: ReportSettings, name: str) -> Path:
    """The office's `<name>.docx` in `reports.templates_dir` if it is there, else the shipped one."""
    if reports.templates_dir:
        own = Path(reports.templates_dir) / f"{name}.docx"
        if own.is_file():
            return own
    return TEMPLATES / f"{name}.docx"


def render_daily(data: DigestData, charts: Mapping[str, bytes], reports: ReportSettings) -> bytes:
    """The 日报: the digest of `data.day` as a Word document."""
    tz = data.timezone

    def build(w: Writer) -> dict[str, Any]:
        day = rows.chinese_date(data.day)
        return {
            **rows.header(reports, "daily", data.day.timetuple().tm_yday, data.generated_at, tz),
            "day_text": day, "this_label": "当日", "before_label": "前一日",
            "overview": rows.overview(day, data.today, data.before, "前一日"),
            "figures": rows.figure_rows(data.today, data.before),
            "attention": [rows.story_row(w, s, tz) for s in data.attention],
            "new_text": f"当日新增相关事件 {data.new_stories_total:,} 起" + (
                f",列出最需关注的 {len(data.new_stories)} 起。" if data.new_stories_total > len(data.new_stories)
                else "。"),
            "new_stories": [rows.story_row(w, s, tz) for s in data.new_stories],
            "incidents": [rows.incident_row(w, i, tz) for i in data.incidents],
            "top_items": [{
                "link": w.link(t.title, t.url), "site": clean_text(t.site, 80), "category": t.category_label,
                "negativity": f"{t.negativity:.2f}",
                "engagement": f"{rows.number(t.views)}/{rows.number(t.replies)}",
                "seen": format_local(t.first_seen_at, tz, "%H:%M"),
            } for t in data.top_items],
            "charts": {name: w.image(png) for name, png in charts.items()},
            "blind_text": rows.blind_text(data.blind_spots, data.sources_total),
            "blind_spots": rows.blind_rows(data.blind_spots, tz),
        }

    return render_document(template_path(reports, "daily"), build)


def render_period(data: PeriodData, charts: Mapping[str, bytes], reports: ReportSettings) -> bytes:
    """The 周报 or 月报 as a Word document."""
    tz = data.timezone
    span = "本月" if data.period == "month" else "本周"
    before = "上月同期" if data.period == "month" else "上周"
    number = data.last_day.isocalendar().week if data.period == "week" else data.last_day.month

    def build(w: Writer) -> dict[str, Any]:
        return {
            **rows.header(reports, data.period, number, data.generated_at, tz),
            "title": data.title, "this_label": span, "before_label": before,
            "range_text": f"{rows.chinese_date(data.first_day)}至{rows.chinese_date(data.last_day)}",
            "overview": rows.overview(span, data.figures, data.previous, before),
            "figures": rows.figure_rows(data.figures, data.previous),
            "stories": [{**rows.story_row(w, s, tz),
                         "handling": rows.handling_text(data.incident_of(s.id), tz)} for s in data.stories],
            "sources": [{"name": clean_text(c.name, 80), "site": clean_text(c.site, 80), "kind": c.kind,
                         "polls": rows.number(c.polls), "failed": rows.number(c.failed),
                         "new_items": rows.number(c.new_items)} for c in data.sources],
            "blind_text": rows.blind_text(data.blind_spots, len(data.sources)),
            "blind_spots": rows.blind_rows(data.blind_spots, tz),
            "charts": {name: w.image(png) for name, png in charts.items()},
            "schemes": [{"name": clean_text(m.name, 80), "posts": rows.number(m.posts),
                         "previous": rows.number(m.previous), "change": format_delta(m.posts, m.previous),
                         "negative": rows.number(m.negative)} for m in data.schemes],
        }

    return render_document(template_path(reports, "period"), build)


def render_incident(report: IncidentReport, charts: Mapping[str, bytes], reports: ReportSettings) -> bytes:
    """The 专报 of one incident as a Word document, with a blank 研判 section."""
    tz, incident = report.timezone, report.incident

    def build(w: Writer) -> dict[str, Any]:
        at = lambda moment: format_local(moment, tz, "%Y-%m-%d %H:%M")  # noqa: E731
        overview = _overview(w, report, at)
        response = "尚未发布正面回应。"
        if report.response_note:
            response = f"{at(report.responded_at)} 发布回应:{clean_text(report.response_note, TEXT_LIMIT)}"
            if report.response_url:
                response += f"(链接:{clean_text(report.response_url, 500)})"
        if report.closing_summary:
            response += f" 总结评估:{clean_text(report.closing_summary, TEXT_LIMIT)}"
        return {
            **rows.header(reports, "incident", incident.id, report.generated_at, tz),
            "story_title": clean_text(incident.title, 200) or "(无标题)",
            "overview": [{"name": name, "value": value} for name, value in overview],
            "summary": "内容摘要:" + (clean_text(report.summary, TEXT_LIMIT, lines=True) or "—"),
            "charts": {name: w.image(png) for name, png in charts.items()},
            "pickups": [{"site": clean_text(p.site, 80), "first_seen": at(p.first_seen_at),
                         "posts": rows.number(p.posts), "link": w.link(p.first_url or "—", p.first_url, 120)}
                        for p in report.pickups],
            "metrics": [{"name": METRIC_LABELS[k], "value": rows.number(v, 1 if k.endswith("_per_hour") else 0)}
                        for k, v in report.metrics.items()],
            "tier_steps": [{"at": at(t.raised_at), "label": t.label, "reason": clean_text(reason_zh(t.reason), 500)}
                           for t in report.tier_steps],
            "guidance": clean_text(report.guidance, TEXT_LIMIT) or "未分类:按预案研判处置。",
            "deadlines": [{"label": d.label, "due": at(d.due_at), "done": at(d.done_at),
                           "state": STATE_LABELS[d.state]} for d in incident.deadlines],
            "handling": [{"at": at(e.at), "kind": rows.EVENT_LABELS.get(e.kind, e.kind),
                          "actor": clean_text(e.actor, 60) or "—", "note": clean_text(e.note, 500) or "—"}
                         for e in report.handling],
            "response_text": response,
            **_evidence(w, report, at),
        }

    return render_document(template_path(reports, "incident"), build)


def _overview(w: Writer, report: IncidentReport, at: Callable[[datetime | None], str]) -> list[tuple[str, Any]]:
    """The 专报's first table: (item, rich text) rows about the incident and its story."""
    incident = report.incident
    overview = [
        ("事件", w.link(incident.title, incident.url)),
        ("级别", w.rich(f"{incident.tier_label}(当前{TIER_LABELS.get(report.current_tier or '', '—')})")),
        ("类型", w.rich(CATEGORY_LABELS.get(incident.category or "", "未分类"))),
        ("状态", w.rich(STATUS_LABELS.get(incident.status, incident.status))),
        ("源头", w.link(report.origin_site or "—", report.origin_url)),
        ("源头发布时间", w.rich(at(report.origin_published_at))),
        ("首次发现", w.rich(at(report.first_seen_at))), ("最近一条", w.rich(at(report.last_post_at))),
        ("立案时间", w.rich(at(incident.opened_at))),
        ("监测方案", w.rich("、".join(report.schemes) or "—")),
        ("负面度", w.rich(f"{report.negativity:.2f}")),
    ]
    acknowledged = "尚未确认"
    if incident.acknowledged_by or report.acknowledged_at:
        acknowledged = f"{clean_text(incident.acknowledged_by, 60) or '—'} 于 {at(report.acknowledged_at)} 确认"
    overview.append(("确认", w.rich(acknowledged)))
    return overview


def _evidence(w: Writer, report: IncidentReport, at: Callable[[datetime | None], str]) -> dict[str, Any]:
    """The 专报's evidence section: a line of totals, a row per copy, captioned screenshots."""
    lines = report.evidence
    kept = sum(1 for e in lines if e.fetched_at is not None)
    deleted = sum(1 for e in lines if e.deleted_at is not None)
    shots = [(line, fitted) for line, png in report.screenshots if (fitted := fit_screenshot(png))]
    return {
        "evidence_text": (f"共 {len(lines)} 条转载,已存档 {kept} 条(抓取时的原始页面及其 SHA-256),"
                          f"其中 {deleted} 条已被删除。" + (f"附其中 {len(shots)} 条的页面截图。" if shots else "")),
        "evidence": [{"site": clean_text(e.site, 80), "link": w.link(e.title or e.url, e.url, 120),
                      "fetched": at(e.fetched_at) if e.fetched_at else "未存档",
                      "sha256": e.sha256 or "—", "state": _deletion(e, at)} for e in lines],
        "screenshots": [{"caption": f"{clean_text(e.site, 80)} · 存档于 {at(e.fetched_at)} · {_deletion(e, at)}",
                         "image": w.image(png, 150)} for e, png in shots],
    }


def _deletion(line: EvidenceLine, at: Callable[[datetime | None], str]) -> str:
    if line.deleted_at is not None:
        return f"已删除(首次发现于 {at(line.deleted_at)})"
    if line.gone_since is not None:
        return f"疑似删除({at(line.gone_since)}),待复核"
    return "仍在" if line.fetched_at is not None else "—"
