"""`yuqing init`: create or upgrade the database schema."""

from __future__ import annotations

import click

from yuqing.cli.context import AppContext, pass_app
from yuqing.config.redact import redact_database_url
from yuqing.service.migrate import upgrade


@click.command()
@pass_app
def init(app: AppContext) -> None:
    """Create or upgrade the database schema (safe to run again)."""
    url = redact_database_url(app.settings.database.url)
    before, after = upgrade(app.engine)
    if before == after:
        click.echo(f"database {url} is up to date (schema {after})")
    elif before is None:
        click.echo(f"created the yuqing schema in {url} (schema {after})")
    else:
        click.echo(f"upgraded {url} from schema {before} to {after}")


COMMANDS = [init]
