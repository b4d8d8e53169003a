"""The console's composition: settings and a session factory in, a Starlette app out. Every route
goes through `guard`, which checks the login, the role table (web/roles.py) and the CSRF token."""

from __future__ import annotations

import re
import secrets as random_tokens
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from yuqing.alerts.reasons import reason_zh
from yuqing.config.database import transaction, utcnow
from yuqing.config.redact import redact_text
from yuqing.config.settings import Settings
from yuqing.config.types import CATEGORY_LABELS, TIER_LABELS
from yuqing.config.web import WebSettings
from yuqing.service.account_store import SessionUser, get_session_user
from yuqing.web.roles import PUBLIC, ROLE_LABELS, ROUTE_ROLES, allows
from yuqing.web.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    PRE_COOKIE,
    SESSION_COOKIE,
    SecurityHeaders,
    csrf_ok,
    csrf_token,
    is_http_url,
    pre_binding,
)

STATIC = Path(__file__).parent / "static"
Endpoint = Callable[[Request], Response]


@dataclass
class Console:
    """What every request handler shares: settings, the database, the secret, the templates, a clock."""

    settings: Settings
    web: WebSettings
    sessions: sessionmaker[Session]
    secret: str
    templates: Environment
    clock: Callable[[], datetime] = utcnow

    def now(self) -> datetime:
        """The current time (tests move it)."""
        return self.clock()


def console_of(request: Request) -> Console:
    """The Console of the app serving this request."""
    return request.app.state.console  # type: ignore[no-any-return]


def client_ip(request: Request) -> str | None:
    """The client's address (uvicorn applies X-Forwarded-For from trusted proxies)."""
    return request.client.host if request.client else None


def _templates(settings: Settings) -> Environment:
    # auto_reload off: the templates ship with the package, so no render stats their files for changes
    env = Environment(loader=PackageLoader("yuqing.web", "templates"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    zone = ZoneInfo(settings.digest.timezone)

    def local(moment: datetime | None, pattern: str = "%m-%d %H:%M") -> str:
        return moment.astimezone(zone).strftime(pattern) if moment else "—"

    env.filters.update(local=local, tier_label=lambda t: TIER_LABELS.get(t or "", "未分级"),
                       category_label=lambda c: CATEGORY_LABELS.get(c or "", "—"),
                       role_label=lambda r: ROLE_LABELS.get(r, r), number=lambda n: f"{int(n or 0):,}",
                       redact=lambda text: redact_text(text or ""), reason_zh=reason_zh)
    env.tests["http_url"] = is_http_url
    env.globals.update(TIER_LABELS=TIER_LABELS, CATEGORY_LABELS=CATEGORY_LABELS)
    return env


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page from a template, with the user, their CSRF token and the role check for links."""
    console = console_of(request)
    user: SessionUser | None = getattr(request.state, "user", None)
    binding = user.session_hash if user else getattr(request.state, "pre_binding", None)
    html = console.templates.get_template(template).render(
        request=request, user=user, server_now=console.now().isoformat(), csrf=csrf_token(console.secret, binding) if binding else "",
        can=lambda name: user is not None and allows(user.role, ROUTE_ROLES[name]),
        url=lambda name, **params: path_for(request, name, **params), **context)
    return HTMLResponse(html, status_code=status)


def path_for(request: Request, name: str, **params: Any) -> str:
    """The path of a named route (what `request.url_for(...).path` gives, from a table built once)."""
    table: dict[str, str] = request.app.state.paths
    if name == "static":
        return f"{request.scope.get('root_path', '')}/static/{params['path']}"
    return request.scope.get("root_path", "") + table[name].format(**params)


def _path_table(routes: list[BaseRoute]) -> dict[str, str]:
    """Route name → a format string of its path ("/stories/{story_id}")."""
    return {route.name: re.sub(r"{(\w+)(:\w+)?}", r"{\1}", route.path) for route in routes if isinstance(route, Route)}


def _refuse(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html.j2", status=status, message=message)


def _resolve_user(request: Request, console: Console) -> SessionUser | None:
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    with transaction(console.sessions) as session:
        return get_session_user(session, session_id, console.now())


def guard(name: str, endpoint: Endpoint) -> Callable[[Request], Any]:
    """Wrap an endpoint: login and role per ROUTE_ROLES[name], CSRF on POST; the endpoint runs in a thread.

    A GET makes one trip to a worker thread (user, role and page together): on a busy machine
    every hand-over between the event loop and a thread waits for a time slice."""
    needed = ROUTE_ROLES[name]  # KeyError at start-up for a route missing from the table

    def admitted(request: Request) -> Response | None:
        """Resolve the user onto request.state; the refusal when they may not pass, else None."""
        user = _resolve_user(request, console_of(request))
        request.state.user = user
        if needed == PUBLIC:
            return None
        if user is None:
            return _to_login(request)
        return None if allows(user.role, needed) else _refuse(request, 403, "您的账号无权进行此操作。")

    def read(request: Request) -> Response:
        return admitted(request) or endpoint(request)

    async def guarded(request: Request) -> Response:
        if request.method != "POST":
            return await run_in_threadpool(read, request)
        refused = await run_in_threadpool(admitted, request)
        if refused is not None:
            return refused
        console, user = console_of(request), request.state.user
        form = await request.form()
        request.state.form = form
        sent = request.headers.get(CSRF_HEADER) or str(form.get(CSRF_FIELD) or "")
        pre = request.cookies.get(PRE_COOKIE)
        binding = user.session_hash if user else (pre_binding(pre) if pre else None)
        if not csrf_ok(console.secret, binding, sent):
            return _refuse(request, 403, "请求缺少有效的 CSRF 令牌,请刷新页面后重试。")
        return await run_in_threadpool(endpoint, request)

    return guarded


def _to_login(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = f'{request.url_for("login").path}?{urlencode({"next": target})}'  # a path: right behind proxies
    if request.headers.get("hx-request"):
        return Response(status_code=401, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


def page(path: str, endpoint: Endpoint, name: str, methods: tuple[str, ...] = ("GET",)) -> Route:
    """A guarded route: the only way routes are made."""
    return Route(path, guard(name, endpoint), name=name, methods=list(methods))


def new_pre_cookie() -> str:
    """A random pre-login cookie value."""
    return random_tokens.token_urlsafe(24)


def create_app(settings: Settings, sessions: sessionmaker[Session], secret: str,
               clock: Callable[[], datetime] = utcnow) -> Starlette:
    """The console app for these settings and database; `secret` signs CSRF tokens and links."""
    from yuqing.web import admin, auth, evidence, incidents, schemes, stories

    routes: list[BaseRoute] = [*auth.ROUTES, *stories.ROUTES, *incidents.ROUTES, *evidence.ROUTES, *admin.ROUTES,
                               *schemes.ROUTES,
                               Mount("/static", app=StaticFiles(directory=STATIC), name="static")]
    app = Starlette(routes=routes)
    app.state.paths = _path_table(routes)
    app.state.console = Console(settings, settings.web or WebSettings(), sessions, secret,
                                _templates(settings), clock)
    app.add_middleware(SecurityHeaders)
    return app
