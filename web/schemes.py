"""Schemes in the console (admins): the file's schemes read-only, the console's with their history,
and a form that tests a scheme on a text, previews it over stored posts and replays the alerts it
would have raised before it is saved. A saved change applies at the next pass."""

from __future__ import annotations

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from yuqing.analysis.query import SchemeError
from yuqing.analysis.scheme_check import check_scheme
from yuqing.analysis.scheme_store import list_console_schemes, list_scheme_history, save_scheme_version
from yuqing.analysis.schemes import compile_schemes
from yuqing.config.database import transaction
from yuqing.config.settings import SchemeSettings
from yuqing.service.account_store import record_audit
from yuqing.web.app import client_ip, console_of, page, render


def _names(raw: str) -> list[str]:
    return [n.strip() for n in raw.replace(",", ",").split(",") if n.strip()]


def _candidate(request: Request) -> tuple[SchemeSettings | None, dict[str, str], str | None]:
    """The scheme in the form, the raw fields, and what is wrong with it (None when it can be saved)."""
    console = console_of(request)
    form = {k: str(request.state.form.get(k) or "").strip() for k in ("name", "query", "recipients",
                                                                       "escalate_to", "text")}
    if form["name"] in {s.name for s in console.settings.schemes}:
        return None, form, f"方案“{form['name']}”来自配置文件,只能在配置文件中修改。"
    targets = {c.name for c in console.settings.channels} | set(console.settings.groups)
    unknown = [n for n in _names(form["recipients"]) + _names(form["escalate_to"]) if n not in targets]
    if unknown:
        return None, form, f"接收方 {'、'.join(unknown)} 既不是通道也不是分组。"
    try:
        scheme = SchemeSettings(name=form["name"][:200], query=form["query"],
                                recipients=_names(form["recipients"]), escalate_to=_names(form["escalate_to"]))
    except ValidationError:
        return None, form, "请填写方案名称和检索式。"
    return scheme, form, None


def schemes(request: Request) -> Response:
    """The file's schemes, the console's in force, and the history of changes."""
    console = console_of(request)
    with console.sessions() as session:
        own, history = list_console_schemes(session), list_scheme_history(session, limit=50)
    return render(request, "schemes.html.j2", file_schemes=console.settings.schemes, own=own, history=history)


def scheme_form(request: Request) -> Response:
    """The form for a new scheme, or for the console scheme named in ?name=."""
    name = request.query_params.get("name", "")
    form = {"name": "", "query": "", "recipients": "", "escalate_to": "", "text": ""}
    if name:
        with console_of(request).sessions() as session:
            found = next((s for s in list_console_schemes(session) if s.name == name), None)
        if found is None:
            return render(request, "error.html.j2", status=404, message="控制台中没有这个方案(配置文件中的方案只读)。")
        form.update(name=found.name, query=found.query, recipients=", ".join(found.recipients),
                    escalate_to=", ".join(found.escalate_to))
    return render(request, "scheme_form.html.j2", form=form, editing=bool(name))


def scheme_check(request: Request) -> Response:
    """Live test, preview and replay of the scheme in the form (an htmx fragment)."""
    console = console_of(request)
    scheme, form, problem = _candidate(request)
    result = None
    if scheme is not None:
        try:
            with console.sessions() as session:
                result = check_scheme(session, console.settings, scheme, form["text"], now=console.now())
        except SchemeError as exc:
            problem = f"检索式有误:{exc}"
    return render(request, "scheme_check.html.j2", result=result, problem=problem)  # 200: htmx swaps it


def scheme_save(request: Request) -> Response:
    """Save the scheme as a new version (kept with who and when); it applies at the next pass."""
    console, user = console_of(request), request.state.user
    scheme, form, problem = _candidate(request)
    if scheme is not None:
        try:
            compile_schemes([scheme])
        except SchemeError as exc:
            problem = f"检索式有误:{exc}"
    if scheme is None or problem:
        return render(request, "scheme_form.html.j2", status=422, form=form, editing=False, error=problem)
    with transaction(console.sessions) as session:
        save_scheme_version(session, scheme, by=user.name, at=console.now())
        record_audit(session, console.now(), "scheme_saved", actor=user.name, ip=client_ip(request),
                     target=scheme.name, detail=scheme.query, user_id=user.user_id)
    return RedirectResponse(request.url_for("schemes").path, status_code=303)


def scheme_delete(request: Request) -> Response:
    """Stop a console scheme (a deletion is a version too)."""
    console, user = console_of(request), request.state.user
    name = str(request.state.form.get("name") or "")
    with transaction(console.sessions) as session:
        found = next((s for s in list_console_schemes(session) if s.name == name), None)
        if found is None:
            return render(request, "error.html.j2", status=404, message="控制台中没有这个方案。")
        gone = SchemeSettings(name=found.name, query=found.query, recipients=found.recipients,
                              escalate_to=found.escalate_to)
        save_scheme_version(session, gone, by=user.name, at=console.now(), deleted=True)
        record_audit(session, console.now(), "scheme_deleted", actor=user.name, ip=client_ip(request),
                     target=name, user_id=user.user_id)
    return RedirectResponse(request.url_for("schemes").path, status_code=303)


ROUTES = [
    page("/schemes", schemes, "schemes"),
    page("/schemes/edit", scheme_form, "scheme_form"),
    page("/schemes/check", scheme_check, "scheme_check", ("POST",)),
    page("/schemes/save", scheme_save, "scheme_save", ("POST",)),
    page("/schemes/delete", scheme_delete, "scheme_delete", ("POST",)),
]
