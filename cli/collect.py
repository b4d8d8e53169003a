"""`yuqing collect`: one full pass now over every enabled source (or the named ones)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from yuqing.cli.context import AppContext, pass_app
from yuqing.collector.jobs import SourceResult
from yuqing.config.errors import ConfigError
from yuqing.service.pipeline import run_pass

_STYLE = {"ok": "green", "partial": "yellow", "not_modified": "dim", "error": "red"}


@click.command()
@click.option("--source", "names", multiple=True, metavar="NAME",
              help="Collect only this source (repeatable); default: every enabled source.")
@pass_app
def collect(app: AppContext, names: tuple[str, ...]) -> None:
    """Run one full pass now: fetch, analyse, cluster, tier, deliver; print a summary."""
    app.require_secrets()  # the pass delivers the alerts it raises
    settings = app.settings
    known = {s.name for s in settings.sources}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError(
            f"unknown source {', '.join(map(repr, unknown))} (--source); sources configured in "
            f"{app.config_path or 'the built-in configuration'}: {', '.join(sorted(known)) or 'none'}"
        )
    count = len(set(names)) if names else sum(s.enabled for s in settings.sources)
    sessions = app.sessions()
    with _reporter(app, count) as on_result:
        report = run_pass(settings, sessions, names=list(names) or None, progress=on_result)
    if report.collected is not None:
        click.echo(str(report.collected))
    for step, summary in report.steps.items():
        click.echo(f"{step}: {summary}")


@contextmanager
def _reporter(app: AppContext, total: int) -> Iterator[Callable[[SourceResult], None]]:
    """One line per source as it finishes, above a progress bar when stdout is a terminal."""
    if not sys.stdout.isatty():
        yield lambda result: click.echo(str(result))
        return
    columns = (TextColumn("collecting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=app.console, transient=True) as progress:
        task = progress.add_task("collect", total=total)

        def on_result(result: SourceResult) -> None:
            style = _STYLE.get(result.outcome, "")
            progress.console.print(f"[{style}]{escape(str(result))}[/]", highlight=False, soft_wrap=True)
            progress.advance(task)

        yield on_result


COMMANDS = [collect]
