"""`yuqing user`: passwords asked twice at a prompt (never in argv), argon2id hashes, disable ends sessions."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session, sessionmaker

from yuqing.cli import cli
from yuqing.config.database import transaction, utcnow
from yuqing.config.errors import ConfigError
from yuqing.service.account_store import check_login, get_session_user, get_user, save_session
from yuqing.service.accounts import User


@pytest.fixture
def run_user(db: sessionmaker[Session], write_config: Callable[..., Path], db_url: str) -> Callable[..., object]:
    config = str(write_config(f'[database]\nurl = "{db_url}"\n'))

    def run(*args: str, input: str | None = None) -> object:
        return CliRunner().invoke(cli, ["--config", config, "user", *args], input=input)

    return run


def _refused(result: object, message: str) -> bool:
    """A ConfigError (the entry point maps it to exit 2 with its message) that says `message`."""
    exc = getattr(result, "exception", None)
    return isinstance(exc, ConfigError) and message in str(exc)


def test_add_asks_twice_and_stores_an_argon2id_hash(run_user: Callable[..., object],
                                                    db: sessionmaker[Session]) -> None:
    result = run_user("add", "王五", "--role", "handler", input="a-long-password\na-long-password\n")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    with db() as session:
        user = get_user(session, "王五")
        assert user is not None and user.role == "handler"
        assert user.password_hash.startswith("$argon2id$") and "a-long-password" not in user.password_hash
        assert check_login(session, "王五", "a-long-password") is not None
        assert check_login(session, "王五", "another-password") is None


def test_mismatched_short_and_duplicate_passwords_are_refused(run_user: Callable[..., object]) -> None:
    mismatch = run_user("add", "a", "--role", "viewer", input="a-long-password\nother-password\n")
    assert mismatch.exit_code != 0  # type: ignore[attr-defined]
    short = run_user("add", "a", "--role", "viewer", input="short\nshort\n")
    assert _refused(short, "at least 10")
    assert run_user("add", "a", "--role", "viewer", input="a-long-password\n" * 2).exit_code == 0  # type: ignore[attr-defined]
    dup = run_user("add", "a", "--role", "admin", input="a-long-password\n" * 2)
    assert _refused(dup, "exists")
    bad_role = run_user("add", "b", "--role", "root", input="a-long-password\n" * 2)
    assert bad_role.exit_code == 2  # click's usage error: not one of the choices  # type: ignore[attr-defined]


def test_passwd_and_disable_end_sessions_and_list_never_shows_hashes(run_user: Callable[..., object],
                                                                     db: sessionmaker[Session]) -> None:
    run_user("add", "赵六", "--role", "viewer", input="a-long-password\n" * 2)
    now = utcnow()
    with transaction(db) as session:
        user = session.query(User).one()
        first = save_session(session, user, now, timedelta(hours=1), "127.0.0.1")
    assert run_user("passwd", "赵六", input="a-newer-password\n" * 2).exit_code == 0  # type: ignore[attr-defined]
    with transaction(db) as session:
        assert get_session_user(session, first, now) is None
        assert check_login(session, "赵六", "a-newer-password") is not None
        second = save_session(session, session.query(User).one(), now, timedelta(hours=1), None)
    assert run_user("disable", "赵六").exit_code == 0  # type: ignore[attr-defined]
    with transaction(db) as session:
        assert get_session_user(session, second, now) is None
        assert check_login(session, "赵六", "a-newer-password") is None
    listed = run_user("list", "--json")
    rows = json.loads(listed.output)  # type: ignore[attr-defined]
    assert rows == [{"name": "赵六", "role": "viewer", "disabled": True, "created_at": rows[0]["created_at"]}]
    assert "argon2" not in run_user("list").output  # type: ignore[attr-defined]
    assert _refused(run_user("disable", "nobody"), "no user 'nobody'")


def test_no_command_takes_a_password_option() -> None:
    group = cli.get_command(click.Context(cli), "user")
    for command in group.commands.values():  # type: ignore[attr-defined]
        assert not [p for p in command.params if "password" in p.name], command.name
