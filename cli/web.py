"""`yuqing web`: serve the web console alone (docs/spec.md §7, §11), e.g. beside `yuqing clock` and the
workers on PostgreSQL; `yuqing run` serves it too when `[web]` is configured."""

from __future__ import annotations

import click

from yuqing.cli.context import AppContext, pass_app
from yuqing.config.web import WebSettings


@click.command()
@click.option("--listen", metavar="HOST:PORT", help="Override [web] listen (default 127.0.0.1:8765).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes (more than one uses every core; sessions live in the database).")
@pass_app
def web(app: AppContext, listen: str | None, workers: int) -> None:
    """Serve the web console in the foreground until Ctrl-C."""
    from yuqing.web.serve import console_secret, serve_console, serve_workers

    settings = app.settings
    section = settings.web or WebSettings()
    if listen:
        section = WebSettings.model_validate({**section.model_dump(), "listen": listen})
    settings = settings.model_copy(update={"web": section})
    secret = console_secret(settings)
    app.sessions()  # the schema check, with its usual message
    click.echo(f"web console on http://{section.listen}/ (Ctrl-C stops it)"
               + (f", {workers} worker processes" if workers > 1 else ""))
    if workers > 1:
        serve_workers(settings, str(app.config_path) if app.config_path else None, workers)
    else:
        serve_console(settings, app.engine, secret)


COMMANDS = [web]
