"""Console fixtures: users of each role, a story with an open incident, and a logged-in TestClient."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from yuqing.alerts.handling import open_incident
from yuqing.config.database import transaction, utcnow
from yuqing.config.settings import Settings
from yuqing.service import account_store
from yuqing.service.account_store import save_user
from yuqing.web.app import create_app

from ..alerts.factories import make_story, raise_tier

SECRET = "test-secret-for-the-console-0123456789"
PASSWORD = "correct-horse-battery"
USERS = {"viewer": "小李", "handler": "张三", "admin": "管理员"}


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with the least cost: the console tests hash and verify dozens of passwords."""
    monkeypatch.setattr(account_store, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@dataclass
class World:
    """What the console tests work on."""

    settings: Settings
    sessions: sessionmaker[Session]
    story_id: int
    incident_id: int


@pytest.fixture
def world(db: sessionmaker[Session], db_url: str) -> World:
    """Three users, one story tiered `major` with its open incident."""
    settings = Settings.model_validate({
        "database": {"url": db_url}, "schemes": [{"name": "交通局", "query": "交通局"}],
        "web": {"base_url": "http://testserver/", "login_attempts": 3},
    })
    now = utcnow() - timedelta(minutes=20)
    with transaction(db) as session:
        for role, name in USERS.items():
            save_user(session, name, role, PASSWORD, now)
        story = make_story(session, now=now)
        change = raise_tier(session, story, "major", now=now)
        incident = open_incident(session, settings, story, change, now)
        assert incident is not None
        story_id, incident_id = story.id, incident.id
    return World(settings, db, story_id, incident_id)


def csrf_of(html: str) -> str:
    """The CSRF token in a page's first form."""
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


@pytest.fixture
def client(world: World) -> TestClient:
    """An anonymous client of the console."""
    return TestClient(create_app(world.settings, world.sessions, SECRET), follow_redirects=False)


@pytest.fixture
def login(client: TestClient) -> Callable[[str], TestClient]:
    """Log the client in as the user of a role ("viewer", "handler", "admin")."""

    def as_role(role: str) -> TestClient:
        token = csrf_of(client.get("/login").text)
        answer = client.post("/login", data={"name": USERS[role], "password": PASSWORD, "csrf": token, "next": "/"})
        assert answer.status_code == 303, answer.text
        return client

    return as_role
