"""The one role table of the console: every route's name → the least role that may use it.

Checked on the server by `web.app.guard` before the endpoint runs; tests/web/test_routes.py
fails when a route is missing here.
"""

from __future__ import annotations

PUBLIC = "public"  # no login: the login form and the static files only
ROLE_RANK = {"viewer": 1, "handler": 2, "admin": 3}
ROLE_LABELS = {"viewer": "查看", "handler": "处置", "admin": "管理员"}

ROUTE_ROLES: dict[str, str] = {
    "login": PUBLIC,
    "login_submit": PUBLIC,
    "static": PUBLIC,
    "logout": "viewer",
    "home": "viewer",
    "stories": "viewer",
    "story": "viewer",
    "incidents": "viewer",
    "incident": "viewer",
    "incident_ack": "handler",
    "incident_respond": "handler",
    "incident_close": "handler",
    "evidence_screenshot": "viewer",
    "evidence_page": "handler",  # the raw page, hostile content: for the handlers who compile the record
    "digests": "viewer",
    "digest_html": "viewer",
    "digest_markdown": "viewer",
    "signed_link": "viewer",
    "sources": "admin",
    "audit": "admin",
    "users": "admin",
    "schemes": "admin",
    "scheme_form": "admin",
    "scheme_check": "admin",
    "scheme_save": "admin",
    "scheme_delete": "admin",
}


def allows(role: str | None, needed: str) -> bool:
    """Whether a user of `role` may use a route that needs `needed`."""
    if needed == PUBLIC:
        return True
    return ROLE_RANK.get(role or "", 0) >= ROLE_RANK[needed]
