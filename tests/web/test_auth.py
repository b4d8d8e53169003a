"""Logins: new session ids, server-side logout and disable, throttling, CSRF, cookie flags and headers."""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.testclient import TestClient

from yuqing.config.database import transaction, utcnow
from yuqing.service.account_store import count_failed_logins, mark_disabled
from yuqing.service.accounts import AuditEntry, WebSession
from yuqing.web.app import create_app
from yuqing.web.security import SESSION_COOKIE, safe_next

from .conftest import PASSWORD, SECRET, USERS, World, csrf_of


def _post_login(client: TestClient, name: str, password: str, next_: str = "/") -> int:
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"name": name, "password": password, "csrf": token, "next": next_}).status_code


def test_login_sets_a_new_http_only_lax_session_cookie_and_logout_ends_it(client: TestClient, world: World) -> None:
    answer = client.get("/login")
    token = csrf_of(answer.text)
    answer = client.post("/login", data={"name": USERS["handler"], "password": PASSWORD, "csrf": token, "next": "/"})
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    session_id = client.cookies[SESSION_COOKIE]
    assert len(session_id) >= 40
    assert client.get("/incidents").status_code == 200
    with world.sessions() as session:
        stored = session.query(WebSession).one()
        assert stored.id_hash != session_id  # only the hash is stored
    logout = client.post("/logout", data={"csrf": csrf_of(client.get("/incidents").text)})
    assert logout.status_code == 303
    client.cookies.set(SESSION_COOKIE, session_id)  # the old cookie replayed: the server ended it
    assert client.get("/incidents").status_code == 303
    with world.sessions() as session:
        assert session.query(WebSession).count() == 0
        assert [a.action for a in session.query(AuditEntry).order_by(AuditEntry.id)] == ["login", "logout"]


def test_each_login_gets_a_new_session_id(client: TestClient) -> None:
    ids = []
    for _ in range(2):
        assert _post_login(client, USERS["viewer"], PASSWORD) == 303
        ids.append(client.cookies[SESSION_COOKIE])
    assert ids[0] != ids[1]


def test_secure_cookies_when_the_console_is_reached_over_https(world: World) -> None:
    settings = world.settings.model_copy(update={"web": world.settings.web.model_copy(
        update={"base_url": "https://yuqing.office.example/"})})
    client = TestClient(create_app(settings, world.sessions, SECRET), base_url="https://testserver",
                        follow_redirects=False)
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"name": USERS["viewer"], "password": PASSWORD, "csrf": token})
    assert "Secure" in answer.headers["set-cookie"]


def test_wrong_passwords_are_throttled_per_name_even_with_the_right_one_after(client: TestClient,
                                                                              world: World) -> None:
    for _ in range(3):  # login_attempts = 3 in the fixture
        assert _post_login(client, USERS["handler"], "wrong-password-1") == 401
    assert _post_login(client, USERS["handler"], PASSWORD) == 429
    with world.sessions() as session:
        assert count_failed_logins(session, USERS["handler"], None, utcnow().replace(year=2000)) == 3


def test_throttling_counts_failures_from_one_address_across_names(client: TestClient) -> None:
    for name in ("a-guess", "b-guess", "c-guess"):
        assert _post_login(client, name, "wrong-password-1") == 401
    assert _post_login(client, USERS["viewer"], PASSWORD) == 429


def test_the_login_form_needs_its_csrf_token(client: TestClient) -> None:
    client.get("/login")
    answer = client.post("/login", data={"name": USERS["viewer"], "password": PASSWORD})
    assert answer.status_code == 403 and "CSRF" in answer.text


def test_a_post_without_the_csrf_token_changes_nothing(login: Callable[[str], TestClient], world: World) -> None:
    client = login("handler")
    answer = client.post(f"/incidents/{world.incident_id}/ack")
    assert answer.status_code == 403 and "CSRF" in answer.text
    forged = client.post(f"/incidents/{world.incident_id}/ack", data={"csrf": "0" * 64})
    assert forged.status_code == 403
    page = client.get(f"/incidents/{world.incident_id}").text
    assert "待确认" in page


def test_disabling_a_user_ends_their_session(login: Callable[[str], TestClient], world: World) -> None:
    client = login("handler")
    with transaction(world.sessions) as session:
        mark_disabled(session, USERS["handler"])
    assert client.get("/incidents").status_code == 303
    assert _post_login(client, USERS["handler"], PASSWORD) == 401


def test_every_answer_carries_the_security_headers(client: TestClient) -> None:
    answer = client.get("/login")
    csp = answer.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert answer.headers["x-frame-options"] == "DENY"
    assert not re.search(r"<script(?![^>]*\bsrc=)", answer.text)  # every script is a static file
    assert not re.search(r"\son[a-z]+=", answer.text)  # no inline event handlers


def test_login_goes_back_only_to_local_paths() -> None:
    assert safe_next("/incidents/3") == "/incidents/3"
    assert safe_next("//evil.example/x") == "/"
    assert safe_next("https://evil.example/") == "/"
    assert safe_next("/\\evil.example") == "/"
