"""Login, logout and signed links: a new random session id at each login, throttling after repeated
failures (per name and per address, counted in the audit log), and links from alerts that open
their page once logged in."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from yuqing.alerts.links import verify_link
from yuqing.config.database import transaction
from yuqing.service.account_store import (
    check_login,
    count_failed_logins,
    end_session,
    record_audit,
    save_session,
)
from yuqing.web.app import client_ip, console_of, new_pre_cookie, page, render
from yuqing.web.security import PRE_COOKIE, SESSION_COOKIE, pre_binding, safe_next


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int | None) -> None:
    web = console_of(request).web
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax",
                        secure=web.secure_cookies, path="/")


def login(request: Request) -> Response:
    """The login form; sets the pre-login cookie its CSRF token is bound to."""
    pre = request.cookies.get(PRE_COOKIE) or new_pre_cookie()
    request.state.pre_binding = pre_binding(pre)
    response = render(request, "login.html.j2", next=safe_next(request.query_params.get("next")))
    _cookie(response, request, PRE_COOKIE, pre, 3600)
    return response


def login_submit(request: Request) -> Response:
    """Check the password (unless throttled), start a new session, go to `next`."""
    console, form, ip = console_of(request), request.state.form, client_ip(request)
    name, password = str(form.get("name") or "").strip(), str(form.get("password") or "")
    target = safe_next(str(form.get("next") or "/"))
    request.state.pre_binding = pre_binding(request.cookies.get(PRE_COOKIE, ""))
    now = console.now()
    with transaction(console.sessions) as session:
        failures = count_failed_logins(session, name, ip, now - console.web.login_lockout)
        if failures >= console.web.login_attempts:
            record_audit(session, now, "login_throttled", ip=ip, target=name[:200])
            minutes = int(console.web.login_lockout.total_seconds() // 60)
            return render(request, "login.html.j2", status=429, next=target, name=name,
                          error=f"登录失败次数过多,请 {minutes} 分钟后再试。")
        user = check_login(session, name, password)
        if user is None:
            record_audit(session, now, "login_failed", ip=ip, target=name[:200])
            return render(request, "login.html.j2", status=401, next=target, name=name,
                          error="用户名或密码错误,或账号已停用。")
        session_id = save_session(session, user, now, console.web.session_ttl, ip)
        record_audit(session, now, "login", actor=user.name, ip=ip, user_id=user.id)
    response = RedirectResponse(target, status_code=303)
    _cookie(response, request, SESSION_COOKIE, session_id, int(console.web.session_ttl.total_seconds()))
    response.delete_cookie(PRE_COOKIE, path="/")
    return response


def logout(request: Request) -> Response:
    """End the session on the server and drop the cookie."""
    console, user = console_of(request), request.state.user
    with transaction(console.sessions) as session:
        end_session(session, user.session_hash)
        record_audit(session, console.now(), "logout", actor=user.name, ip=client_ip(request), user_id=user.user_id)
    response = RedirectResponse(request.url_for("login").path, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def home(request: Request) -> Response:
    """The start page: the incident desk for those who handle, the story list for the others."""
    target = "incidents" if request.state.user.role != "viewer" else "stories"
    return RedirectResponse(request.url_for(target).path, status_code=303)


def signed_link(request: Request) -> Response:
    """A link from an alert or digest: checked (signature, expiry), then its page."""
    console = console_of(request)
    kind, target_id = request.path_params["kind"], int(request.path_params["target_id"])
    problem = verify_link(console.secret, kind, target_id, request.query_params.get("exp", ""),
                          request.query_params.get("sig", ""), console.now())
    if problem is not None:
        return render(request, "error.html.j2", status=403,
                      message=f"{problem}。请在控制台中查找该条目,或向值班人员索取新链接。")
    return RedirectResponse(request.url_for(kind, **{f"{kind}_id": target_id}).path, status_code=303)


ROUTES = [
    page("/login", login, "login"),
    page("/login", login_submit, "login_submit", ("POST",)),
    page("/logout", logout, "logout", ("POST",)),
    page("/", home, "home"),
    page("/go/{kind:str}/{target_id:int}", signed_link, "signed_link"),
]
