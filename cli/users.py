"""`yuqing user add|passwd|disable|list`: console accounts (docs/spec.md §7, §11). Passwords are
asked for twice at a hidden prompt, never taken from the command line."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from yuqing.cli.context import AppContext, pass_app
from yuqing.cli.output import dumps
from yuqing.config.database import transaction, utcnow
from yuqing.config.errors import ConfigError
from yuqing.service.account_store import (
    AccountError,
    list_users,
    mark_disabled,
    mark_password,
    record_audit,
    save_user,
)
from yuqing.service.accounts import ROLES


def _ask_password() -> str:
    return click.prompt("password", hide_input=True, confirmation_prompt=True)


def _fail(exc: AccountError) -> None:
    raise ConfigError(str(exc)) from exc  # exit 2 with the one-line message, like a usage error


@click.group()
def user() -> None:
    """Console accounts: viewer reads; handler also handles incidents; admin also manages users and schemes."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the user may do.")
@pass_app
def add(app: AppContext, name: str, role: str) -> None:
    """Add a console user; the password is asked for twice."""
    sessions = app.sessions()
    password = _ask_password()
    try:
        with transaction(sessions) as session:
            save_user(session, name, role, password, utcnow())
            record_audit(session, utcnow(), "user_added", actor="cli", target=name, detail=role)
    except AccountError as exc:
        _fail(exc)
    click.echo(f"user {name} added as {role}")


@user.command("passwd")
@click.argument("name")
@pass_app
def passwd(app: AppContext, name: str) -> None:
    """Set a user's password; their open sessions end."""
    sessions = app.sessions()
    password = _ask_password()
    try:
        with transaction(sessions) as session:
            mark_password(session, name, password, utcnow())
            record_audit(session, utcnow(), "password_changed", actor="cli", target=name)
    except AccountError as exc:
        _fail(exc)
    click.echo(f"password of {name} changed; their sessions ended")


@user.command("disable")
@click.argument("name")
@pass_app
def disable(app: AppContext, name: str) -> None:
    """Disable a user: they cannot log in, and their open sessions end at once."""
    try:
        with transaction(app.sessions()) as session:
            mark_disabled(session, name)
            record_audit(session, utcnow(), "user_disabled", actor="cli", target=name)
    except AccountError as exc:
        _fail(exc)
    click.echo(f"user {name} disabled; their sessions ended")


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of name, role, disabled, created_at.")
@pass_app
def list_(app: AppContext, as_json: bool) -> None:
    """List console users with their roles (never their password hashes)."""
    with app.sessions()() as session:
        rows = [{"name": u.name, "role": u.role, "disabled": u.disabled, "created_at": u.created_at}
                for u in list_users(session)]
    if as_json:
        click.echo(dumps(rows))
        return
    if not rows:
        click.echo("no users; add one with `yuqing user add NAME --role admin`")
        return
    table = Table(title="users", header_style="bold")
    for column in ("name", "role", "disabled", "created"):
        table.add_column(column)
    for r in rows:
        table.add_row(escape(r["name"]), r["role"], "yes" if r["disabled"] else "", f"{r['created_at']:%Y-%m-%d}")
    app.console.print(table)


COMMANDS = [user]
