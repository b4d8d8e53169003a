"""`yuqing sources`: every configured source with its health."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from yuqing.cli.context import AppContext, pass_app
from yuqing.cli.output import ago, dumps
from yuqing.collector.store import list_source_health
from yuqing.config.database import utcnow

_STATUS_STYLE = {"ok": "green", "failing": "red", "never polled": "yellow", "disabled": "dim"}


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
@pass_app
def sources(app: AppContext, as_json: bool) -> None:
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
    table = Table(title="sources", header_style="bold")
    for column in ("name", "kind", "status", "last success", "failures", "next poll", "last error"):
        table.add_column(column)
    for h in health:
        style = _STATUS_STYLE[h.status]
        table.add_row(
            escape(h.name), h.kind, f"[{style}]{h.status}[/]", ago(h.last_success_at, now),
            str(h.consecutive_failures), ago(h.next_poll_at, now), escape(h.last_error or ""),
        )
    app.console.print(table)


COMMANDS = [sources]
