"""Shared fixtures: a migrated database (SQLite, or PostgreSQL via YUQING_TEST_DATABASE_URL),
clean tables per test, and the real `yuqing` entry point run in-process."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import ipaddress
import os
import socket
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, text
from sqlalchemy.engine.url import make_url
from sqlalchemy.orm import Session, sessionmaker

from yuqing.config.database import create_db_engine, session_factory
from yuqing.service.migrate import upgrade
from yuqing.service.schema import metadata

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parent.parent
# The repository's folders that install as `yuqing.<folder>` (pyproject.toml's package-dir).
PACKAGE_FOLDERS = ("cli", "web", "service", "simulator", "alerts", "analysis", "collector", "config", "migrations")


class BareNameGuard(importlib.abc.MetaPathFinder):
    """Refuses `import collector` (and the other folders) when it would load the repository's
    folder: the run sits in the repository, so the folder is on sys.path, and one module imported
    under two names would have two copies of every table, setting and cache."""

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        if path is None and fullname in PACKAGE_FOLDERS:
            spec = importlib.machinery.PathFinder.find_spec(fullname)
            if spec is not None and spec.origin and Path(spec.origin).resolve().is_relative_to(ROOT):
                raise ImportError(f"{fullname!r} is the repository folder {fullname}/: import it as yuqing.{fullname}")
        return None


sys.meta_path.insert(0, BareNameGuard())

_getaddrinfo = socket.getaddrinfo


def _loopback_only(host: object, *args: object, **kwargs: object) -> list:  # type: ignore[type-arg]
    """socket.getaddrinfo for tests: loopback names and addresses only. A test that would reach a
    real host (a post URL on example.cn, say) fails fast like an unknown name, and sends nothing."""
    name = host.decode() if isinstance(host, bytes) else str(host)
    try:
        allowed = ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        allowed = name == "localhost" or name.endswith(".localhost")
    if not allowed:
        raise socket.gaierror(socket.EAI_NONAME, f"tests reach only 127.0.0.1, not {name!r}")
    return _getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]


socket.getaddrinfo = _loopback_only  # type: ignore[assignment]
PG_ENV = "YUQING_TEST_DATABASE_URL"
DB_FIXTURES = {"database_url", "migrated_engine", "db", "db_url"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that touches the database, so CI can rerun them on PostgreSQL."""
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


def fixture_path(*parts: str) -> Path:
    """The path of a saved fixture under tests/fixtures/."""
    return FIXTURES.joinpath(*parts)


def postgres_url_or_skip() -> str:
    """The PostgreSQL test URL, or skip the test with the reason."""
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {PG_ENV}, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test")
    return url


def isolated_postgres_url(url: str) -> tuple[str, Callable[[], None]]:
    """A URL whose search_path is a fresh schema, and a function that drops that schema."""
    schema = f"yuqing_test_{uuid.uuid4().hex[:10]}"
    admin = create_db_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    isolated = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return isolated.render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database: PostgreSQL when YUQING_TEST_DATABASE_URL is set, else a SQLite file."""
    url = os.environ.get(PG_ENV)
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'yuqing.db'}"
        return
    isolated, drop = isolated_postgres_url(url)
    yield isolated
    drop()


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to head once per test session."""
    engine = create_db_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db(migrated_engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A session factory on the migrated database; every table is emptied after the test."""
    yield session_factory(migrated_engine)
    with migrated_engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(delete(table))


@pytest.fixture
def db_url(db: sessionmaker[Session], migrated_engine: Engine) -> str:
    """The URL of the migrated test database, for configs handed to the CLI."""
    return migrated_engine.url.render_as_string(hide_password=False)


@dataclass
class CliResult:
    """What a `yuqing` invocation printed and how it exited."""

    code: int
    out: str
    err: str


@pytest.fixture
def yuqing(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Run the real `yuqing` entry point in-process: yuqing("sources", "--json")."""
    from yuqing.cli import main

    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], Path]:
    """Write a TOML configuration into the test's temporary folder and return its path."""

    def write(body: str, name: str = "yuqing.toml") -> Path:
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        return path

    return write
