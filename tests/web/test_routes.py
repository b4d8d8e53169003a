"""Every route is in the role table, and the server enforces it: nothing without a login but the login
page and static files; viewers cannot handle; only admins see sources, users and the audit log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from yuqing.alerts.links import sign_link
from yuqing.config.database import utcnow
from yuqing.web.roles import PUBLIC, ROUTE_ROLES, allows

from .conftest import SECRET, World


def _concrete(path: str, world: World) -> str:
    if path.startswith("/go/"):
        return sign_link("/", SECRET, "story", world.story_id, utcnow() + timedelta(hours=1))
    return (path.replace("{story_id:int}", str(world.story_id)).replace("{incident_id:int}", str(world.incident_id))
            .replace("{digest_id:int}", "1").replace("{post_id:int}", "1").replace("{kind:str}", "story").replace("{target_id:int}", str(world.story_id)))


def _routes(client: TestClient, world: World) -> list[tuple[str, str, str]]:
    """(name, method, concrete path) of every route of the app."""
    found = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Mount):
            found.append((route.name, "GET", "/static/console.css"))
            continue
        assert isinstance(route, Route)
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                found.append((route.name, method, _concrete(route.path, world)))
    return found


def test_every_route_is_in_the_role_table(client: TestClient, world: World) -> None:
    names = {name for name, _, _ in _routes(client, world)}
    assert names == set(ROUTE_ROLES), "routes and web/roles.py's ROUTE_ROLES must list the same names"


def test_nothing_but_login_and_static_answers_without_a_login(client: TestClient, world: World) -> None:
    for name, method, path in _routes(client, world):
        answer = client.request(method, path)
        if ROUTE_ROLES[name] == PUBLIC:
            assert answer.status_code != 303 or name == "login_submit", (name, path)
            continue
        assert answer.status_code == 303, (name, method, path, answer.status_code)
        assert answer.headers["location"].startswith("/login?next="), (name, path)


def test_htmx_requests_without_a_login_are_sent_to_the_login_page(client: TestClient) -> None:
    answer = client.get("/stories", headers={"HX-Request": "true"})
    assert answer.status_code == 401
    assert answer.headers["HX-Redirect"].startswith("/login?next=")


@pytest.mark.parametrize("role", ["viewer", "handler", "admin"])
def test_each_role_gets_exactly_its_routes(role: str, login: Callable[[str], TestClient], world: World) -> None:
    client = login(role)
    for name, method, path in _routes(client, world):
        if ROUTE_ROLES[name] == PUBLIC or name == "logout":
            continue
        answer = client.request(method, path)  # POSTs carry no CSRF token: allowed ones answer 403 for that
        if allows(role, ROUTE_ROLES[name]):
            if method == "GET":
                assert answer.status_code in (200, 303, 404), (role, name, answer.status_code)
            else:
                assert "CSRF" in answer.text, (role, name)
        else:
            assert answer.status_code == 403, (role, name, answer.status_code)
            assert "无权" in answer.text
