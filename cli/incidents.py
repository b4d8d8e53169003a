"""`yuqing incidents`, `ack`, `respond`, `close`: the handling record of docs/spec.md §6."""

from __future__ import annotations

import sys
from typing import Any

import click
from rich.markup import escape

from yuqing.alerts import store
from yuqing.alerts.handling import ack_incident, close_incident, respond_incident
from yuqing.alerts.incidents import STATUSES, IncidentStateError
from yuqing.alerts.models import Incident
from yuqing.analysis.models import Story
from yuqing.analysis.store import get_stories
from yuqing.cli.context import AppContext, pass_app
from yuqing.cli.output import ago, dumps
from yuqing.cli.tables import Column, build_table
from yuqing.config.database import utcnow

_STYLE = {"open": "red", "recurred": "red", "acknowledged": "yellow", "responded": "cyan",
          "subsided": "green", "closed": "dim"}


def _record(incident: Incident, story: Story | None) -> dict[str, Any]:
    fields = ("id", "story_id", "status", "tier", "category", "opened_at", "report_by", "facts_by",
              "respond_by", "acknowledged_at", "acknowledged_by", "responded_at", "response_note",
              "response_url", "subsided_at", "closed_at", "summary", "recurrences")
    record = {name: getattr(incident, name) for name in fields}
    record["title"] = story.title if story else None
    record["events"] = [{"at": e.at, "kind": e.kind, "actor": e.actor, "note": e.note} for e in incident.events]
    return record


@click.command()
@click.option("--status", type=click.Choice(STATUSES), help="Only incidents in this status.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array with each incident's record.")
@click.option("--wide", is_flag=True, help="Every column (opened, acknowledged by), for wide terminals.")
@pass_app
def incidents(app: AppContext, status: str | None, as_json: bool, wide: bool) -> None:
    """List incidents with their status, deadlines and handling record."""
    with app.sessions()() as session:
        found = store.list_incidents(session, (status,) if status else None)
        stories = get_stories(session, [i.story_id for i in found])
        rows = [_record(i, stories.get(i.story_id)) for i in found]
    if as_json:
        click.echo(dumps(rows))
        return
    if not rows:
        click.echo("no incidents" + (f" in status {status}" if status else ""))
        return
    now = utcnow()
    columns = (Column("title", grows=True), Column("status"), Column("tier"), Column("report by"),
               Column("respond by"), Column("id", numeric=True), Column("opened", True), Column("acknowledged", True))
    table = build_table("incidents", columns, [
        (escape(r["title"] or ""), f"[{_STYLE.get(r['status'], '')}]{r['status']}[/]", r["tier"],
         _due(r["report_by"], r["acknowledged_at"], now), _due(r["respond_by"], r["responded_at"], now), str(r["id"]),
         ago(r["opened_at"], now), escape(r["acknowledged_by"] or "—"))
        for r in rows], wide=wide)
    app.console.print(table)


def _due(due: Any, met: Any, now: Any) -> str:
    if due is None:
        return "—"
    if met is not None:
        return "[green]met[/]"
    return f"[red]missed {ago(due, now)}[/]" if due <= now else ago(due, now)


def _state_error(exc: IncidentStateError) -> None:
    click.echo(f"yuqing: {exc}", err=True)
    sys.exit(2)


@click.command()
@click.argument("incident_id", metavar="ID", type=int)
@click.option("--by", "by", required=True, help="Who acknowledges it (recorded).")
@pass_app
def ack(app: AppContext, incident_id: int, by: str) -> None:
    """Acknowledge an incident: meets its report deadline (快报)."""
    try:
        incident = ack_incident(app.sessions(), incident_id, by=by, now=utcnow())
    except IncidentStateError as exc:
        _state_error(exc)
    click.echo(f"incident {incident.id} acknowledged by {by}")


@click.command()
@click.argument("incident_id", metavar="ID", type=int)
@click.option("--note", required=True, help="What was published (the official response).")
@click.option("--url", default=None, help="Where it was published.")
@click.option("--by", "by", default=None, help="Who records it.")
@pass_app
def respond(app: AppContext, incident_id: int, note: str, url: str | None, by: str | None) -> None:
    """Record the official response (正面回复): meets the facts and response deadlines."""
    try:
        incident = respond_incident(app.sessions(), incident_id, note=note, url=url, by=by, now=utcnow())
    except IncidentStateError as exc:
        _state_error(exc)
    click.echo(f"incident {incident.id}: response recorded")


@click.command()
@click.argument("incident_id", metavar="ID", type=int)
@click.option("--summary", required=True, help="The written evaluation (总结评估).")
@click.option("--by", "by", default=None, help="Who closes it.")
@pass_app
def close(app: AppContext, incident_id: int, summary: str, by: str | None) -> None:
    """Close an incident with its evaluation; new copies of its story reopen it as `recurred`."""
    try:
        incident = close_incident(app.sessions(), incident_id, summary=summary, by=by, now=utcnow())
    except IncidentStateError as exc:
        _state_error(exc)
    click.echo(f"incident {incident.id} closed")


COMMANDS = [incidents, ack, respond, close]
