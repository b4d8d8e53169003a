"""Database plumbing: declarative Base with a naming convention, engines and sessions.

A URL in, an engine (SQLite in WAL mode with foreign keys and a busy timeout, or PostgreSQL)
and a session factory out. Nothing is built at import time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.url import make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every table; constraint names follow NAMING_CONVENTION."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp, stored as UTC (naive on SQLite), read back aware in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to a timezone-aware column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class JSONType(TypeDecorator[Any]):
    """A JSON document: JSONB on PostgreSQL, JSON text elsewhere."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        return dialect.type_descriptor(JSONB() if dialect.name == "postgresql" else JSON())


class hour_ceiling(FunctionElement[datetime]):  # an SQL function, named like one
    """SQL: a UTCDateTime column rounded up to the whole UTC hour (a whole hour stays itself; on
    SQLite fractions of a second are dropped first, so 01:00:00.5 rounds to 01:00, never later)."""

    type = DateTime(timezone=True)
    inherit_cache = True


@compiles(hour_ceiling, "sqlite")
def _hour_ceiling_sqlite(element: hour_ceiling, compiler: SQLCompiler, **kw: Any) -> str:
    # stored as "YYYY-MM-DD HH:MM:SS.ffffff" text (UTC): the same format keeps comparisons exact
    column = compiler.process(element.clauses, **kw)
    return f"(datetime((CAST(strftime('%s', {column}) AS INTEGER) + 3599) / 3600 * 3600, 'unixepoch') || '.000000')"


@compiles(hour_ceiling, "postgresql")
def _hour_ceiling_postgresql(element: hour_ceiling, compiler: SQLCompiler, **kw: Any) -> str:
    # by the epoch, so the session's time zone (a half-hour offset) cannot move the hours
    column = compiler.process(element.clauses, **kw)
    return f"to_timestamp(ceil(extract(epoch from {column}) / 3600) * 3600)"


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


POOL_SIZE = 12  # connections kept open: the console's requests (8 at once) beside the service's passes


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    """Build an engine for `url`; SQLite gets WAL, foreign keys and a 30 s busy timeout.

    The pool keeps POOL_SIZE connections (unless `kwargs` choose a pool): a connection past the
    pool is opened per checkout and closed after, and a new one starts with a cold page cache
    (SQLite) or a new server process (PostgreSQL)."""
    parsed = make_url(url)
    if "poolclass" not in kwargs and parsed.database not in (None, "", ":memory:"):
        kwargs.setdefault("pool_size", POOL_SIZE)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back otherwise."""
    with factory() as session, session.begin():
        yield session
