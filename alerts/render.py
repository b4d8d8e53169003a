"""Alerting stage, pure: docs/spec.md §9 payloads in → bot markdown, Feishu cards, email HTML and text out.

Web text is never trusted: the markdown environment escapes every value it prints unless we
built it ourselves (`Markup`), the HTML environment autoescapes, and cards carry it only in
`plain_text` elements.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from yuqing.alerts.escaping import escape_markdown, one_line, safe_url
from yuqing.alerts.incidents import DEADLINE_LABELS
from yuqing.alerts.payload import STORYLESS_EVENTS
from yuqing.alerts.reasons import reason_zh
from yuqing.config.types import TIER_LABELS, TIER_LEVELS

TEMPLATES = Path(__file__).parent / "templates"
TIER_MARKS = {"general": "🔵", "significant": "🟡", "major": "🟠", "critical": "🔴"}
CARD_TEMPLATES = {"general": "blue", "significant": "yellow", "major": "orange", "critical": "red"}
HTML_COLOURS = {"general": "#3370ff", "significant": "#d4a106", "major": "#f57c00", "critical": "#d32f2f"}
EVENT_HEADINGS = {
    "story.tier_raised": "舆情预警",
    "incident.deadline_near": "处置时限将到",
    "incident.deadline_missed": "处置时限已过",
    "story.subsided": "舆情平息",
    "story.recurred": "舆情复发",
    "digest.ready": "舆情日报",
    "test": "测试消息",
    "source.blocked": "来源被拦截 (监测盲区)",
    "story.copy_deleted": "帖文已被删除",
}
_EVENT_CARD = {"story.subsided": "green", "test": "grey", "digest.ready": "blue",
               "incident.deadline_missed": "carmine", "source.blocked": "orange"}


def _num(value: Any) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value or 0):,}"


def _clock(value: str | None) -> str:
    if not value:
        return "—"
    moment = datetime.fromisoformat(value)
    return f"{moment:%Y-%m-%d %H:%M} ({moment:%z}"[:-2] + ":" + f"{moment:%z})"[-3:]


def _markdown_finalize(value: Any) -> Any:
    return value if isinstance(value, Markup) else escape_markdown("" if value is None else str(value))


def _filters(env: Environment) -> Environment:
    env.filters.update(num=_num, clock=_clock, cut=one_line, reason_zh=reason_zh)
    return env


@cache
def _markdown_env() -> Environment:
    return _filters(Environment(loader=FileSystemLoader(TEMPLATES), autoescape=False,
                                finalize=_markdown_finalize, undefined=StrictUndefined))


@cache
def _html_env() -> Environment:
    return _filters(Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                                autoescape=select_autoescape(["html", "html.j2"])))


@cache
def _text_env() -> Environment:
    return _filters(Environment(loader=FileSystemLoader(TEMPLATES), autoescape=False,
                                undefined=StrictUndefined, keep_trailing_newline=True))


def heading(payload: dict[str, Any]) -> str:
    """"舆情预警 · 重大 (II级)" and the like: what happened, at which tier."""
    text = EVENT_HEADINGS.get(payload["event"], payload["event"])
    tier = payload.get("tier")
    return f"{text} · {TIER_LABELS[tier]} ({TIER_LEVELS[tier]}级)" if tier in TIER_LABELS else text


def deadline_text(payload: dict[str, Any]) -> str:
    """"快报 (report) 时限 2026-11-21 10:11 已过" for deadline alerts, else ""."""
    deadline = payload.get("deadline")
    if not deadline:
        return ""
    state = "已过" if payload["event"] == "incident.deadline_missed" else "将到"
    label = DEADLINE_LABELS.get(deadline["name"], deadline["name"])
    return f"{label} 时限 {_clock(deadline['due_at'])} {state}, 事件编号 {payload.get('incident_id')}"


def links(payload: dict[str, Any], limit: int = 3) -> list[tuple[str, str]]:
    """(label, safe URL) pairs: the console's signed page (when configured), the first post, other copies."""
    found: list[tuple[str, str]] = []
    console = safe_url(payload.get("console_url"))
    if console:
        found.append(("控制台处置" if payload.get("incident_id") else "控制台查看", console))
        limit += 1
    first = safe_url(payload.get("first_url"))
    if first:
        found.append(("源头", first))
    for url in payload.get("urls", []):
        safe = safe_url(url)
        if safe and safe != first and len(found) < limit:
            found.append((f"转载{len(found)}", safe))
    return found


def _context(payload: dict[str, Any], *, colour: bool) -> dict[str, Any]:
    tier = payload.get("tier")
    font = {"general": "comment", "significant": "warning", "major": "warning", "critical": "warning"}
    return {
        "p": payload,
        "mark": Markup(TIER_MARKS.get(tier or "", "📣")),
        "heading": heading(payload),
        "deadline_text": deadline_text(payload),
        "previous_label": TIER_LABELS.get(payload.get("previous_tier") or "", ""),
        "deadline_labels": DEADLINE_LABELS,
        "links": [(Markup(label), Markup(url)) for label, url in links(payload)],
        "colour_open": Markup(f'<font color="{font.get(tier or "", "comment")}">' if colour else ""),
        "colour_close": Markup("</font>" if colour else ""),
        "note_open": Markup('<font color="comment">' if colour else ""),
        "note_close": Markup("</font>" if colour else ""),
    }


def render_markdown(payloads: list[dict[str, Any]], *, colour: bool = False) -> tuple[str, str]:
    """(title, markdown) for WeCom (`colour=True`: its <font> tags) and DingTalk; several → merged."""
    env = _markdown_env()
    if len(payloads) == 1:
        context = _context(payloads[0], colour=colour)
        text = env.get_template("alert.md.j2").render(context)
        return one_line(f"{context['heading']} {payloads[0]['title']}", 60), text
    items = [_batch_item(p) for p in payloads]
    for item in items:
        item["mark"] = Markup(TIER_MARKS.get(item["p"].get("tier") or "", "📣"))
        item["url"] = Markup(item["url"]) if item["url"] else None
    text = env.get_template("batch.md.j2").render(
        items=items, ids=", ".join(p["id"] for p in payloads),
        note_open=Markup('<font color="comment">' if colour else ""),
        note_close=Markup("</font>" if colour else ""),
    )
    return f"舆情预警 (合并 {len(payloads)} 条)", text


def _batch_item(payload: dict[str, Any]) -> dict[str, Any]:
    found = links(payload, limit=1)
    return {"p": payload, "heading": heading(payload), "url": found[0][1] if found else None,
            "colour": HTML_COLOURS.get(payload.get("tier") or "", "#646a73")}


def _rows(payload: dict[str, Any]) -> list[tuple[str, str]]:
    m = payload.get("metrics", {})
    rows = []
    if payload.get("tier_label"):
        rows.append(("级别", payload["tier_label"]))
    if payload.get("category_label"):
        rows.append(("类型", payload["category_label"]))
    if payload.get("schemes"):
        rows.append(("方案", "、".join(payload["schemes"])))
    if payload.get("sites"):
        rows.append((f"站点 ({_num(m.get('sites'))})", "、".join(payload["sites"][:10])))
    if payload["event"] not in STORYLESS_EVENTS:
        rows.append(("传播", f"帖子 {_num(m.get('posts'))} · 24小时点击 {_num(m.get('clicks_24h'))} · "
                           f"转发 {_num(m.get('reposts'))} · 每小时点击 {_num(m.get('clicks_per_hour'))}"))
        rows.append(("负面度", f"{float(payload.get('negativity') or 0):.2f}"))
    if payload.get("reason"):
        rows.append(("依据", reason_zh(payload["reason"])))
    for name, due in payload.get("deadlines", {}).items():
        rows.append((DEADLINE_LABELS.get(name, name), _clock(due)))
    return rows


def email_subject(payloads: list[dict[str, Any]]) -> str:
    """A one-line subject: "[yuqing] 舆情预警 · 重大 (II级) <title>", or the merged count."""
    if len(payloads) == 1:
        return one_line(f"[yuqing] {heading(payloads[0])} {payloads[0]['title']}", 150)
    return f"[yuqing] 舆情预警 (合并 {len(payloads)} 条)"


def render_email(payloads: list[dict[str, Any]]) -> tuple[str, str, str]:
    """(subject, HTML, plain text) of an alert email; several alerts → one merged email."""
    subject = email_subject(payloads)
    if len(payloads) == 1:
        p = payloads[0]
        tier = p.get("tier") or ""
        context = {"p": p, "subject": subject, "heading": heading(p), "deadline_text": deadline_text(p),
                   "rows": _rows(p), "links": links(p), "colour": HTML_COLOURS.get(tier, "#646a73")}
        return (subject, _html_env().get_template("alert.html.j2").render(context),
                _text_env().get_template("alert.txt.j2").render(context))
    context = {"subject": subject, "items": [_batch_item(p) for p in payloads]}
    return (subject, _html_env().get_template("batch.html.j2").render(context),
            _text_env().get_template("batch.txt.j2").render(context))


def _plain(text: str) -> dict[str, Any]:
    return {"tag": "div", "text": {"tag": "plain_text", "content": text}}


def render_card(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    """A Feishu interactive card: tier-coloured header, facts as plain text, link buttons."""
    if len(payloads) == 1:
        p = payloads[0]
        title, colour = heading(p), _EVENT_CARD.get(p["event"]) or CARD_TEMPLATES.get(p.get("tier") or "", "grey")
        elements = [_plain(one_line(p["title"], 200))]
        if deadline_text(p):
            elements.append(_plain(deadline_text(p)))
        elements += [_plain(f"{label}: {value}") for label, value in _rows(p)]
        if p.get("guidance"):
            elements.append(_plain(f"处置建议: {p['guidance']}"))
        if p.get("summary"):
            elements.append(_plain(one_line(p["summary"], 300)))
        found, note = links(p), f"{_clock(p.get('detected_at'))} · {p['id']}"
    else:
        title, colour = f"舆情预警 (合并 {len(payloads)} 条)", _merged_colour(payloads)
        elements = [_plain(f"{heading(p)} · {one_line(p['title'], 80)} · 站点 {_num(p['metrics'].get('sites'))}"
                           f" · 点击 {_num(p['metrics'].get('clicks_24h'))}") for p in payloads]
        found = [(f"{i + 1}. 源头", item["url"]) for i, item in
                 enumerate(_batch_item(p) for p in payloads) if item["url"]][:5]
        note = "ids: " + ", ".join(p["id"] for p in payloads)
    if found:
        elements.append({"tag": "action", "actions": [
            {"tag": "button", "text": {"tag": "plain_text", "content": label}, "type": "default", "url": url}
            for label, url in found]})
    elements.append({"tag": "note", "elements": [{"tag": "plain_text", "content": note}]})
    return {"config": {"wide_screen_mode": True},
            "header": {"title": {"tag": "plain_text", "content": title}, "template": colour},
            "elements": elements}


def _merged_colour(payloads: list[dict[str, Any]]) -> str:
    order = list(CARD_TEMPLATES)
    tiers = [p.get("tier") for p in payloads if p.get("tier") in CARD_TEMPLATES]
    return CARD_TEMPLATES[max(tiers, key=order.index)] if tiers else "grey"
