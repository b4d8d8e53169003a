"""What the database takes on disk, for `yuqing status`: the SQLite file with its WAL (or PostgreSQL's
pg_database_size), the row counts of the tables that grow with polling, and the evidence archive
against its cap. Reads only."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from yuqing.collector.models import EvidencePage, Post, Snapshot, SourcePoll
from yuqing.service.evidence_store import count_stored_bytes

# the tables that grow with every poll or alert; the rest stay small
BIG_TABLES = {"posts": Post, "snapshots": Snapshot, "source_polls": SourcePoll, "evidence_pages": EvidencePage}


@dataclass
class StorageStatus:
    """The database's size in bytes (None when it cannot be read) and its big tables' rows."""

    backend: str
    bytes: int | None = None
    files: dict[str, int] = field(default_factory=dict)  # SQLite: the file and its -wal, by path
    rows: dict[str, int] = field(default_factory=dict)
    rows_estimated: bool = False  # PostgreSQL: the planner's counts, not a scan of the tables
    evidence_bytes: int = 0
    evidence_max_bytes: int | None = None


def get_storage(session: Session, engine: Engine, evidence_max_bytes: int | None = None) -> StorageStatus:
    """The size of the database behind `engine` and its big tables' row counts."""
    backend = engine.dialect.name
    found = StorageStatus(backend=backend, evidence_max_bytes=evidence_max_bytes)
    if backend == "sqlite":
        database = engine.url.database
        if database and database != ":memory:":
            for path in (Path(database), Path(f"{database}-wal")):
                if path.exists():
                    found.files[str(path)] = path.stat().st_size
            found.bytes = sum(found.files.values())
        # exact counts: SQLite counts through the smallest index, well under a second for millions
        found.rows = {name: session.scalar(select(func.count()).select_from(model)) or 0
                      for name, model in BIG_TABLES.items()}
    elif backend == "postgresql":
        found.bytes = session.scalar(text("SELECT pg_database_size(current_database())"))
        found.rows, found.rows_estimated = _estimated_rows(session), True
    found.evidence_bytes = count_stored_bytes(session)
    return found


def _estimated_rows(session: Session) -> dict[str, int]:
    """pg_class.reltuples of the big tables in the current schema (-1 before the first ANALYZE: 0)."""
    rows = session.execute(
        text("SELECT c.relname, c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
             "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname = ANY(:names)"),
        {"names": list(BIG_TABLES)},
    ).all()
    found = {name: max(0, int(tuples)) for name, tuples in rows}
    return {name: found.get(name, 0) for name in BIG_TABLES}
