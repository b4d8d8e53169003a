"""`yuqing digest`: write the daily digest (舆情日报) of one local day, and optionally send it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from yuqing.alerts.digest.jobs import make_digest
from yuqing.cli.context import AppContext, pass_app
from yuqing.config.database import utcnow
from yuqing.config.errors import DeliveryError

FORMATS = ("html", "md", "docx")


def parse_day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    """Click callback: "YYYY-MM-DD" → date (None stays None); a usage error otherwise."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date; write YYYY-MM-DD, e.g. 2026-11-20") from exc


@click.command()
@click.option("--date", "day", metavar="YYYY-MM-DD", callback=parse_day,
              help="Local day in digest.timezone (default: yesterday).")
@click.option("--out", "out_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write into (default: digest.out_dir).")
@click.option("--format", "formats", type=click.Choice(FORMATS), multiple=True,
              help="docx also writes the 日报 as digest-YYYY-MM-DD.docx (attached to emails with --send); "
                   "html and md are always written. Repeatable.")
@click.option("--send", is_flag=True, help="Also deliver it to digest.channels (default: every channel).")
@pass_app
def digest(app: AppContext, day: date | None, out_dir: Path | None, formats: tuple[str, ...], send: bool) -> None:
    """Write the digest of a day as digest-YYYY-MM-DD.html and .md (and .docx); --send also delivers it."""
    settings = app.settings
    if send:
        app.require_secrets()
    docx = True if "docx" in formats else None  # None: as reports.daily_docx says
    report = make_digest(settings, app.sessions(), now=utcnow(), day=day, send=send, out_dir=out_dir, docx=docx)
    click.echo(f"html: {report.html_path}")
    click.echo(f"markdown: {report.markdown_path}")
    if report.docx_path:
        click.echo(f"docx: {report.docx_path}")
    if send and not report.results:
        click.echo("sent to no channel: configure [[channels]] (and digest.channels to choose)")
    for result in report.results:
        detail = f" — {result.detail}" if result.detail else ""
        click.echo(f"{result.channel} ({result.kind}): {result.status}{detail}")
    if report.failed:
        names = ", ".join(r.channel for r in report.failed)
        raise DeliveryError(f"the digest was written but not delivered to {names}")


COMMANDS = [digest]
