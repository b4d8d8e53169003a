"""Schema migrations: a database URL in, the schema created or upgraded to head out."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from yuqing.config.errors import DatabaseError

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic configuration for `url` that uses the shipped migrations folder."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.set_main_option(
        "file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s"
    )
    return cfg


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Create or upgrade the schema to head; return (revision before, revision after)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        before = MigrationContext.configure(connection).get_current_revision()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
        after = MigrationContext.configure(connection).get_current_revision()
    return before, after or ""


def head_revision() -> str:
    """The newest revision shipped with this version of yuqing."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    return head or ""


def check_schema(engine: Engine) -> None:
    """Raise DatabaseError unless the database is at the head revision."""
    url = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:  # any driver error: the message is all the user can act on
        raise DatabaseError(f"cannot open the database {url}: {exc}. Check [database] url.") from exc
    if current is None:
        raise DatabaseError(f"the database {url} has no yuqing schema yet; run `yuqing init` first.")
    if current != head_revision():
        raise DatabaseError(
            f"the database {url} is at schema revision {current}, this yuqing needs "
            f"{head_revision()}; run `yuqing init` to upgrade it (back it up first)."
        )
