"""The incident desk: open incidents by urgency with deadline countdowns, one incident's handling
record as a timeline, and ack / respond / close through alerts.handling — the CLI's rules and
messages — each written to the audit log with who and from where."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from yuqing.alerts.handling import ack_incident, close_incident, respond_incident
from yuqing.alerts.incidents import IncidentNotFoundError, IncidentStateError
from yuqing.alerts.reports.evidence import list_evidence
from yuqing.alerts.store import get_incident
from yuqing.analysis.models import Story
from yuqing.config.database import transaction
from yuqing.service.account_store import record_audit
from yuqing.service.console_store import PAGE_SIZE, desk_row, list_desk
from yuqing.web.app import client_ip, console_of, page, render

DEADLINE_NAMES = {"report_by": "快报", "facts_by": "发布事实", "respond_by": "正面回复"}
STATUS_LABELS = {"open": "待确认", "acknowledged": "已确认", "responded": "已回复", "subsided": "已平息",
                 "closed": "已关闭", "recurred": "再次发酵"}
EVENT_LABELS = {"opened": "立案", "tier_raised": "级别上升", "acknowledged": "确认(快报)", "responded": "正面回复",
                "closed": "关闭并评估", "subsided": "平息", "recurred": "再次发酵", "deadline_near": "时限将到",
                "deadline_missed": "时限已过", "copy_deleted": "转载被删除"}
DONE = {"ack": "已确认。", "respond": "已记录正面回复。", "close": "已关闭并记录评估。"}
LABELS = {"deadline_names": DEADLINE_NAMES, "status_labels": STATUS_LABELS, "event_labels": EVENT_LABELS}


def incidents(request: Request) -> Response:
    """The desk: incidents not closed, most urgent first (all with ?all=1)."""
    console = console_of(request)
    show_all = request.query_params.get("all") == "1"
    raw_page = request.query_params.get("page", "1")
    page_number = int(raw_page) if raw_page.isdigit() and int(raw_page) > 0 else 1
    now = console.now()
    with console.sessions() as session:
        rows, total = list_desk(session, console.settings.deadlines, now, include_closed=show_all,
                                page=page_number)
    template = "desk_list.html.j2" if request.headers.get("hx-request") else "desk.html.j2"
    return render(request, template, rows=rows, total=total, page_number=page_number, page_size=PAGE_SIZE,
                  now=now, show_all=show_all, **LABELS)


def _incident_page(request: Request, incident_id: int, status: int = 200, error: str | None = None) -> Response:
    console = console_of(request)
    now = console.now()
    with console.sessions() as session:
        incident = get_incident(session, incident_id)
        if incident is None:
            return render(request, "error.html.j2", status=404, message="没有这个事件。")
        row = desk_row(incident, session.get(Story, incident.story_id), console.settings.deadlines, now)
        events = list(incident.events)
        evidence = list_evidence(session, incident.story_id)
    done = DONE.get(request.query_params.get("done", ""))
    return render(request, "incident.html.j2", status=status, row=row, i=incident, events=events, now=now,
                  error=error, done=done, evidence=evidence, **LABELS)


def incident(request: Request) -> Response:
    """One incident: deadlines, the handling forms the user's role allows, the timeline, the evidence."""
    return _incident_page(request, request.path_params["incident_id"])


def _act(request: Request, action: str, run: Callable[[str, dict[str, str]], object]) -> Response:
    console, user = console_of(request), request.state.user
    incident_id = request.path_params["incident_id"]
    form = {k: str(v).strip() for k, v in request.state.form.items() if isinstance(v, str)}
    try:
        run(user.name, form)
    except (IncidentStateError, IncidentNotFoundError) as exc:
        return _incident_page(request, incident_id, status=409, error=str(exc))
    with transaction(console.sessions) as session:
        detail = form.get("note") or form.get("summary")
        record_audit(session, console.now(), f"incident_{action}", actor=user.name, ip=client_ip(request),
                     target=f"incident {incident_id}", detail=(detail or "")[:2000] or None, user_id=user.user_id)
    target = f'{request.url_for("incident", incident_id=incident_id).path}?done={action}'
    return RedirectResponse(target, status_code=303)


def _missing(request: Request, field: str, label: str) -> Response | None:
    if request.state.form.get(field, "").strip():
        return None
    return _incident_page(request, request.path_params["incident_id"], status=400, error=f"请填写{label}。")


def incident_ack(request: Request) -> Response:
    """Acknowledge (meets 快报) as the logged-in user."""
    console, incident_id = console_of(request), request.path_params["incident_id"]
    return _act(request, "ack", lambda by, _form: ack_incident(console.sessions, incident_id, by=by, now=console.now()))


def incident_respond(request: Request) -> Response:
    """Record the official response: a note (required) and a link."""
    console, incident_id = console_of(request), request.path_params["incident_id"]
    missing = _missing(request, "note", "回复内容")
    return missing or _act(request, "respond", lambda by, form: respond_incident(
        console.sessions, incident_id, note=form["note"], url=form.get("url") or None, by=by, now=console.now()))


def incident_close(request: Request) -> Response:
    """Close with the written evaluation (总结评估)."""
    console, incident_id = console_of(request), request.path_params["incident_id"]
    missing = _missing(request, "summary", "总结评估")
    return missing or _act(request, "close", lambda by, form: close_incident(
        console.sessions, incident_id, summary=form["summary"], by=by, now=console.now()))


ROUTES = [
    page("/incidents", incidents, "incidents"),
    page("/incidents/{incident_id:int}", incident, "incident"),
    page("/incidents/{incident_id:int}/ack", incident_ack, "incident_ack", ("POST",)),
    page("/incidents/{incident_id:int}/respond", incident_respond, "incident_respond", ("POST",)),
    page("/incidents/{incident_id:int}/close", incident_close, "incident_close", ("POST",)),
]
