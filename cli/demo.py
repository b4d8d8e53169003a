"""`yuqing demo`: the whole pipeline against simulated sites on 127.0.0.1, in about half a minute."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

import click
from rich.markup import escape

from yuqing.cli.context import AppContext, pass_app
from yuqing.cli.tables import STORY_COLUMNS, TIER_STYLE, Column, build_table, tier_cell
from yuqing.config.errors import YuqingError
from yuqing.config.types import TIER_LABELS, TIER_ORDER
from yuqing.service.demo import ZONE, DemoAlert, DemoReport, run_demo
from yuqing.simulator import scenario


@click.command()
@click.option("--dir", "workdir", type=click.Path(file_okay=False, path_type=Path),
              help="Work folder for the database, config, log and digest (default: a new temporary folder).")
@click.option("--serve", is_flag=True, help="Then keep the web console up on the demo's data (Ctrl-C stops it).")
@click.option("--listen", metavar="HOST:PORT", default="127.0.0.1:8765", show_default=True,
              help="Where --serve listens.")
@pass_app
def demo(app: AppContext, workdir: Path | None, serve: bool, listen: str) -> None:
    """Run the whole pipeline against simulated sites on 127.0.0.1 and show the alerts and the digest."""
    console = app.console
    folder = workdir or Path(tempfile.mkdtemp(prefix="yuqing-demo-"))
    console.print(f"[bold]yuqing demo[/]: simulated news feed, press feed, two forums and a weibo-like list "
                  f"on 127.0.0.1; watching [bold]{scenario.SUBJECT}[/] (scheme {scenario.SCHEME_NAME}: "
                  f"{escape(scenario.SCHEME_QUERY)}); {scenario.STEP_MINUTES} simulated minutes per pass")

    def show_step(step: int, now: datetime) -> None:
        console.print(f"[dim]pass {step + 1}/{scenario.STEPS} at {now.astimezone(ZONE):%Y-%m-%d %H:%M} (Shanghai)[/]")

    def show_alert(alert: DemoAlert) -> None:
        payload = alert.payload
        tier = str(payload.get("tier") or "")
        style = TIER_STYLE.get(tier, "bold")
        console.print(f"  [{style}]ALERT {escape(str(payload.get('event')))} {TIER_LABELS.get(tier, tier)} {tier}[/] "
                      f"{escape(str(payload.get('title', '')))}\n    [dim]{escape(str(payload.get('reason', '')))}[/]")

    report = run_demo(folder, show_alert, show_step)
    _print_stories(app, report)
    if report.digest_paths:
        console.print("digest: " + ", ".join(report.digest_paths))
    else:
        console.print(f"[yellow]digest not written[/]: {escape(report.digest_note or 'no digest row was recorded')}")
    console.print(f"work folder: {folder} — explore it with "
                  f"`yuqing --config {folder / 'yuqing.toml'} stories` (the sites are gone, the data stays)")
    _verdict(app, report)
    if serve:
        _serve(app, folder, listen)


def _serve(app: AppContext, folder: Path, listen: str) -> None:
    """The console on the demo's database, with a new admin whose one-time password is printed once."""
    import os
    import secrets

    from yuqing.config.database import create_db_engine, session_factory, transaction, utcnow
    from yuqing.config.loading import load_settings
    from yuqing.config.web import WebSettings
    from yuqing.service.account_store import mark_password, save_user
    from yuqing.web.serve import console_secret, serve_console

    settings, _ = load_settings(str(folder / "yuqing.toml"))
    web = WebSettings(listen=listen, base_url=f"http://{listen}/", secret_env="YUQING_DEMO_WEB_SECRET")
    os.environ[web.secret_env] = secrets.token_urlsafe(32)  # this process only: the demo's links die with it
    settings = settings.model_copy(update={"web": web})
    engine = create_db_engine(settings.database.url)
    password = secrets.token_urlsafe(12)
    with transaction(session_factory(engine)) as session:
        try:
            save_user(session, "admin", "admin", password, utcnow())
        except YuqingError:  # a second --serve on the same --dir: a new one-time password
            mark_password(session, "admin", password, utcnow())
    app.console.print(f"\n[bold]web console[/]: http://{listen}/  login [bold]admin[/] / [bold]{password}[/] "
                      "(one-time password for this demo; Ctrl-C stops the console)")
    serve_console(settings, engine, console_secret(settings))


def _print_stories(app: AppContext, report: DemoReport) -> None:
    rank = {tier: n for n, tier in enumerate(TIER_ORDER)}
    ordered = sorted(report.stories, key=lambda s: (-rank.get(s.tier or "", -1), -s.clicks_24h, s.id))
    columns = (*STORY_COLUMNS, Column("negativity", numeric=True))
    rows = [(escape(s.title), tier_cell(s.tier, TIER_LABELS.get(s.tier or ""), wide=False), str(len(s.sites)),
             f"{s.clicks_24h:,}", f"{s.reposts:,}", str(s.id), f"{s.negativity:.2f}") for s in ordered]
    app.console.print(build_table("stories", columns, rows, wide=False))


def _verdict(app: AppContext, report: DemoReport) -> None:
    missing, unexpected = report.missing, report.unexpected
    if not missing and not unexpected:
        app.console.print(f"[green]ok[/]: the {len(report.alerts)} expected alerts arrived, each once, and nothing "
                          f"else ({report.seconds:.1f}s)")
        return
    for step, event, story, tier in missing:
        app.console.print(f"[red]missing[/]: after pass {step + 1}: {event} {story} {tier}")
    for step, event, story, tier in unexpected:
        app.console.print(f"[red]unexpected[/]: after pass {step + 1}: {event} {story or '(not a scenario story)'} {tier}")
    raise click.ClickException(
        f"the alerts differ from the scenario's expectations ({len(missing)} missing, {len(unexpected)} unexpected)"
    )


COMMANDS = [demo]
