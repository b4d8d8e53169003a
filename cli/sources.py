"""`yuqing sources`: every configured source with its health."""

from __future__ import annotations

import tomllib

import click
from rich.markup import escape

from yuqing.cli.context import AppContext, pass_app
from yuqing.cli.output import ago, dumps
from yuqing.cli.tables import Column, build_table
from yuqing.collector.recipes import RECIPES, render_recipe
from yuqing.collector.store import SourceHealth, list_source_health
from yuqing.config.database import utcnow
from yuqing.config.errors import ConfigError
from yuqing.config.loading import parse_settings

_STATUS_STYLE = {"ok": "green", "failing": "red", "blocked": "magenta", "never polled": "yellow", "disabled": "dim"}


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
@click.option("--wide", is_flag=True, help="Every column (kind, next poll), for wide terminals.")
@click.pass_context
def sources(ctx: click.Context, as_json: bool, wide: bool) -> None:
    """Show every source with its health: last success, last error, failures, next poll."""
    if ctx.invoked_subcommand is None:
        _show(ctx.find_object(AppContext), as_json, wide)


def _show(app: AppContext, as_json: bool, wide: bool) -> None:
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


@sources.command("add")
@click.option("--recipe", "recipe", required=True, type=click.Choice(sorted(RECIPES)),
              help="A ready recipe for a platform's public list API.")
@click.option("--name", "name", required=True, help="The new source's name.")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="A recipe parameter, e.g. q=江城交通局.")
@click.option("--append", is_flag=True, help="Append it to the configuration file (checked first).")
@pass_app
def add(app: AppContext, recipe: str, name: str, params: tuple[str, ...], append: bool) -> None:
    """Print a copyable [[sources]] table from a recipe (weibo, Tieba, Bilibili, Zhihu), or append it."""
    values = dict(p.split("=", 1) if "=" in p else (p, "") for p in params)
    try:
        text = render_recipe(recipe, name, values)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if not append:
        click.echo(text, nl=False)
        return
    app.settings  # noqa: B018  (loads the file and finds its path; ConfigError if it is already bad)
    path = app.config_path
    if path is None:
        raise ConfigError("--append needs a configuration file (--config, $YUQING_CONFIG or ./yuqing.toml)")
    current = path.read_text(encoding="utf-8-sig")
    combined = current + ("" if current.endswith("\n") or not current else "\n") + "\n" + text
    parse_settings(tomllib.loads(combined), base_dir=path.resolve().parent, origin=f"{path} with the new source")
    path.write_text(combined, encoding="utf-8")
    click.echo(f"appended source {name!r} (recipe {recipe}) to {path}")


def _problem(health: SourceHealth) -> str:
    """Markup for the problem column: a blocked source's reason, else the error of a failing source,
    else the warning of its last poll (thread pages it could not read)."""
    if health.blocked_reason:
        return f"[magenta]blocked: {escape(health.blocked_reason)}[/]"
    if health.status != "failing" and health.last_warning:
        return f"[yellow]warning: {escape(health.last_warning)}[/]"
    return escape(health.last_error or "")


COMMANDS = [sources]
