"""`yuqing report`: the week/month report (周报/月报) or an incident's 专报, as editable Word (.docx)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from yuqing.alerts.reports.jobs import make_incident_report, make_period_report
from yuqing.alerts.reports.period import PERIODS
from yuqing.cli.context import AppContext, pass_app
from yuqing.cli.digest import parse_day
from yuqing.config.database import utcnow


@click.command()
@click.option("--period", type=click.Choice(PERIODS), help="周报 (the 7 days ending on --end) or 月报 "
              "(the month of --end, from its 1st to --end).")
@click.option("--end", "end", metavar="YYYY-MM-DD", callback=parse_day,
              help="Last local day of the period (default: yesterday).")
@click.option("--incident", "incident_id", metavar="ID", type=click.IntRange(min=1),
              help="Write the 专报 of this incident instead.")
@click.option("--out", "out_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write into (default: reports.out_dir).")
@pass_app
def report(app: AppContext, period: str | None, end: date | None, incident_id: int | None,
           out_dir: Path | None) -> None:
    """Write the week/month report or an incident's 专报 as .docx and print its path."""
    if (period is None) == (incident_id is None):
        raise click.UsageError("give either --period week|month or --incident ID")
    if incident_id is not None and end is not None:
        raise click.UsageError("--end goes with --period; a 专报 is as of now")
    if incident_id is not None:
        path = make_incident_report(app.settings, app.sessions(), now=utcnow(), incident_id=incident_id,
                                    out_dir=out_dir)
    else:
        path = make_period_report(app.settings, app.sessions(), now=utcnow(), period=period or "week",
                                  end=end, out_dir=out_dir)
    click.echo(f"docx: {path}")


COMMANDS = [report]
