"""Collection-stage queries: source rows and their health (and, later, posts and snapshots)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.models import Source
from config.settings import SourceSettings


@dataclass(frozen=True)
class SourceHealth:
    """A configured source joined with its health row (None where it was never polled)."""

    name: str
    kind: str
    url: str
    site: str
    enabled: bool
    ok: bool
    status: str  # ok | failing | never polled | disabled
    last_polled_at: datetime | None
    last_success_at: datetime | None
    last_new_item_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    last_warning: str | None
    consecutive_failures: int
    next_poll_at: datetime | None


def save_sources(session: Session, sources: list[SourceSettings]) -> dict[str, Source]:
    """Make sure every configured source has a row with its current kind, URL and site."""
    rows = {row.name: row for row in session.scalars(select(Source))}
    for source in sources:
        row = rows.get(source.name)
        if row is None:
            row = Source(name=source.name, kind=source.kind, url=source.url, site=source.site_name,
                         consecutive_failures=0)
            session.add(row)
            rows[source.name] = row
        elif (row.kind, row.url, row.site) != (source.kind, source.url, source.site_name):
            if row.url != source.url:
                row.etag = row.last_modified = None  # validators belong to the old URL
            row.kind, row.url, row.site = source.kind, source.url, source.site_name
    session.flush()
    return rows


def list_source_health(session: Session, sources: list[SourceSettings]) -> list[SourceHealth]:
    """The health of every configured source, in configuration order."""
    rows = {row.name: row for row in session.scalars(select(Source))}
    return [_health(source, rows.get(source.name)) for source in sources]


def _health(source: SourceSettings, row: Source | None) -> SourceHealth:
    failures = row.consecutive_failures if row else 0
    polled = row is not None and row.last_polled_at is not None
    ok = polled and failures == 0 and row is not None and row.last_success_at is not None
    if not source.enabled:
        status = "disabled"
    elif not polled:
        status = "never polled"
    else:
        status = "ok" if ok else "failing"
    return SourceHealth(
        name=source.name,
        kind=source.kind,
        url=source.url,
        site=source.site_name,
        enabled=source.enabled,
        ok=ok,
        status=status,
        last_polled_at=row.last_polled_at if row else None,
        last_success_at=row.last_success_at if row else None,
        last_new_item_at=row.last_new_item_at if row else None,
        last_error=row.last_error if row else None,
        last_error_at=row.last_error_at if row else None,
        last_warning=row.last_warning if row else None,
        consecutive_failures=failures,
        next_poll_at=row.next_poll_at if row else None,
    )
