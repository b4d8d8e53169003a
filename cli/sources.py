"""`yuqing sources`: every configured source with its health."""

from __future__ import annotations

import click
from rich.markup import escape

from yuqing.cli.context import AppContext, pass_app
from yuqing.cli.output import ago, dumps
from yuqing.cli.tables import Column, build_table
from yuqing.collector.store import SourceHealth, list_source_health
from yuqing.config.database import utcnow

_STATUS_STYLE = {"ok": "green", "failing": "red", "never polled": "yellow", "disabled": "dim"}


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
@click.option("--wide", is_flag=True, help="Every column (kind, next poll), for wide terminals.")
@pass_app
def sources(app: AppContext, as_json: bool, wide: bool) -> None:
    """Show every source with its health: last success, last error, failures, next poll."""
    with app.sessions()() as session:
        health = list_source_health(session, app.settings.sources)
    if as_json:
        click.echo(dumps(health))
        return
    if not health:
        click.echo("no sources configured; add [[sources]] tables to the configuration")
        return
    now = utcnow()
    columns = (Column("name"), Column("status"), Column("last success"), Column("failures", numeric=True),
               Column("last error / warning", grows=True), Column("kind", True), Column("next poll", True))
    table = build_table("sources", columns, [
        (escape(h.name), f"[{_STATUS_STYLE[h.status]}]{h.status}[/]", ago(h.last_success_at, now),
         str(h.consecutive_failures), _problem(h), h.kind, ago(h.next_poll_at, now))
        for h in health], wide=wide)
    app.console.print(table)


def _problem(health: SourceHealth) -> str:
    """The error of a failing source, else the warning of its last poll (pages it could not read)."""
    if health.status != "failing" and health.last_warning:
        return f"[yellow]warning: {escape(health.last_warning)}[/]"
    return escape(health.last_error or "")


COMMANDS = [sources]
