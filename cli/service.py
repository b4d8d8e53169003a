"""`yuqing run` (the background service) and `yuqing status` (is it running, how are its jobs)."""

from __future__ import annotations

from datetime import datetime

import click
from rich.markup import escape

from yuqing.cli.context import AppContext, pass_app
from yuqing.cli.output import ago, dumps, size
from yuqing.cli.tables import Column, build_table
from yuqing.config.database import utcnow
from yuqing.config.logs import configure_logging
from yuqing.service.dist_status import DistributedStatus
from yuqing.service.status import ServiceStatus, get_status
from yuqing.service.storage import StorageStatus

_WORKER_COLUMNS = (Column("process", grows=True), Column("since"), Column("last beat", numeric=True),
                   Column("tasks", numeric=True), Column("queues", grows=True))
_QUEUE_COLUMNS = (Column("queue"), Column("on broker", numeric=True), Column("waiting", numeric=True),
                  Column("running", numeric=True), Column("oldest waiting"))
_STATE_STYLE = {"ok": "green", "failed": "red", "running": "yellow", "interrupted": "red", "never run": "dim"}
# 80 columns: the job and its summary or error fold; last success and skipped runs with --wide
_JOB_COLUMNS = (
    Column("job", grows=True), Column("state"), Column("last run"), Column("last success", wide_only=True),
    Column("failures", numeric=True), Column("skipped", numeric=True, wide_only=True),
    Column("summary or error", grows=True),
)


@click.command()
@click.option("--log-level", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
              help="Override service.log_level.")
@click.option("--no-web", is_flag=True,
              help="Do not serve the console even with [web] configured (`yuqing web` serves it).")
@pass_app
def run(app: AppContext, log_level: str | None, no_web: bool) -> None:
    """Run the service: poll every source on its interval, analyse, tier, alert, send the digest."""
    from yuqing.service.runner import Service, install_signal_handlers

    app.require_secrets()
    configure_logging(app.settings, log_level)
    app.sessions()  # schema check before anything starts, with the usual message
    service = Service(app.settings, app.engine)
    install_signal_handlers(service)  # before the console listens: a SIGTERM from then on stops cleanly
    console = None
    if app.settings.web is not None and not no_web:  # the console beside the scheduler, in a thread
        from yuqing.web.serve import ConsoleThread, console_secret

        console = ConsoleThread(app.settings, app.engine, console_secret(app.settings))
        console.start()
    try:
        service.start()
        code = service.wait()
    finally:
        if console is not None:
            console.stop()
    if code:
        raise SystemExit(code)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object, for monitoring.")
@click.option("--wide", is_flag=True, help="Every column of the jobs (last success, skipped runs), for wide terminals.")
@pass_app
def status(app: AppContext, as_json: bool, wide: bool) -> None:
    """Show whether the service runs, each job's last run, the outbox backlog and failing sources."""
    found = get_status(app.settings, app.engine, app.sessions(), utcnow())
    if as_json:
        click.echo(dumps(found))
        return
    _print_status(app, found, wide=wide)


def _print_status(app: AppContext, found: ServiceStatus, *, wide: bool) -> None:
    now, console = found.checked_at, app.console
    if found.starting:
        warn = " [red](stale: stuck starting)[/]" if found.stale else ""
        who = f"pid {found.pid} on {escape(found.hostname or '?')}" if found.pid else "a process"
        took = f" took the lock {ago(found.since, now)}" if found.since else " holds the lock"
        console.print(f"[yellow]starting[/]: {who}{took} and has not recorded its start yet "
                      f"(waiting for the database?){warn}")
        if found.last_stop_reason:
            console.print(f"  previous life: stopped {ago(found.last_stopped_at, now)} "
                          f"({escape(found.last_stop_reason)})")
    elif found.running:
        beat = ago(found.heartbeat_at, now) if found.heartbeat_at else "—"
        warn = " [red](stale: stuck or overloaded)[/]" if found.stale else ""
        label = "clock active" if found.distributed is not None else "running"
        console.print(f"[green]{label}[/]: pid {found.pid} on {escape(found.hostname or '?')}, "
                      f"since {ago(found.since, now)}, heartbeat {beat}{warn}")
    elif found.last_stopped_at is not None:
        console.print(f"[yellow]not running[/]: stopped {ago(found.last_stopped_at, now)} "
                      f"({escape(found.last_stop_reason or '')})")
    else:
        console.print("[yellow]not running[/]: the service never ran on this database")
    rows = [(escape(job.id), f"[{_STATE_STYLE[job.state]}]{job.state}[/]", ago(job.last_started_at, now),
             ago(job.last_ok_at, now), str(job.failures_in_a_row or ""), str(job.skipped_runs or ""),
             escape(job.error or job.summary or "")) for job in found.jobs]
    table = build_table("jobs", _JOB_COLUMNS, rows, wide=wide)
    console.print(table)
    box = found.outbox
    oldest = f", oldest pending {ago(box.oldest_pending_at, now)}" if box.oldest_pending_at else ""
    console.print(f"outbox: {box.pending} pending, {box.held} held, {box.failed} failed{oldest}")
    if found.storage is not None:
        _print_storage(app, found.storage)
    if found.distributed is not None:
        _print_distributed(app, found.distributed, now)
    if not found.failing_sources:
        console.print("failing sources: none")
        return
    console.print(f"[red]failing sources: {len(found.failing_sources)}[/]")
    for source in found.failing_sources:
        console.print(f"  {escape(source.name)}: {source.consecutive_failures} failures, "
                      f"last success {ago(source.last_success_at, now)}: {escape(source.last_error or '')}")


def _print_storage(app: AppContext, storage: StorageStatus) -> None:
    rows = ", ".join(f"{name} {count:,}" for name, count in storage.rows.items())
    approx = "≈ " if storage.rows_estimated else ""
    cap = f" of {size(storage.evidence_max_bytes)}" if storage.evidence_max_bytes else ""
    app.console.print(f"database: {size(storage.bytes)} ({storage.backend}); rows {approx}{rows}; "
                      f"evidence {size(storage.evidence_bytes)}{cap}")


def _print_distributed(app: AppContext, found: DistributedStatus, now: datetime) -> None:
    console = app.console
    standbys = [c for c in found.clocks if c.name.split(" ", 1)[1] != _holder(app)]
    console.print(f"clocks: {len(found.clocks)} live ({len(standbys)} standby: "
                  f"{escape(', '.join(c.name.split(' ', 1)[1] for c in standbys) or 'none')})")
    rows = [(escape(w.name.split(" ", 1)[1]), ago(w.since, now), f"{w.heartbeat_age_seconds:.0f}s",
             str(w.tasks_done), escape(",".join(q.split(".")[-1] for q in w.queues)))
            for w in found.workers]
    console.print(build_table(f"workers: {len(found.workers)} seen", _WORKER_COLUMNS, rows, wide=False)
                  if rows else "[red]workers: none seen in the last 45 s[/]")
    broker = "" if found.broker_answers else " [red](the broker does not answer)[/]"
    rows = [(q.name, "?" if q.ready is None else str(q.ready), str(q.waiting), str(q.running),
             ago(q.oldest_waiting_at, now) if q.oldest_waiting_at else "") for q in found.queues]
    console.print(build_table(f"queues{broker}", _QUEUE_COLUMNS, rows, wide=False))


def _holder(app: AppContext) -> str:
    from yuqing.service.lock import lock_holder

    holder = lock_holder(app.engine)
    return f"{holder.hostname}:{holder.pid}" if holder is not None else ""


COMMANDS = [run, status]
