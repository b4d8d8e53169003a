"""`yuqing alerts test`: a test message through every channel, one line per channel."""

from __future__ import annotations

import sys

import click
from rich.markup import escape

from yuqing.alerts.channels import send_alerts
from yuqing.alerts.payload import alert_uid, build_test_payload
from yuqing.cli.context import AppContext, pass_app
from yuqing.config.database import utcnow
from yuqing.config.redact import redact_endpoint


@click.group()
def alerts() -> None:
    """Alert channels."""


@alerts.command("test")
@pass_app
def test_channels(app: AppContext) -> None:
    """Send a `test` event through every channel and report each result (exit 1 if any failed)."""
    settings = app.settings
    app.require_secrets()
    if not settings.channels:
        click.echo("no channels configured; add [[channels]] tables to the configuration")
        return
    now, failed = utcnow(), 0
    for channel in settings.channels:
        payload = build_test_payload(alert_uid(f"test:{channel.name}:{now.isoformat()}"), channel.name,
                                     now, settings.digest.timezone)
        result = send_alerts(channel, [payload])
        where = redact_endpoint(channel.resolved_url()) if channel.kind not in ("email", "log") else (
            channel.smtp_host if channel.kind == "email" else channel.path or "stdout")
        status = f"HTTP {result.status_code}" if result.status_code else ""
        if result.ok:
            line = f"[green]ok[/]     {escape(channel.name)} ({channel.kind} → {escape(str(where))}) {status} {result.duration_ms} ms"
        else:
            failed += 1
            line = (f"[red]failed[/] {escape(channel.name)} ({channel.kind} → {escape(str(where))}) {status} "
                    f"{escape(result.error or '')} {escape(result.response or '')}")
        app.console.print(line.rstrip(), soft_wrap=True)
    if failed:
        click.echo(f"{failed} of {len(settings.channels)} channel(s) failed", err=True)
        sys.exit(1)


COMMANDS = [alerts]
