"""Analysis-stage queries for schemes edited in the web console: their history, the ones in force,
and the settings a pass runs with (the file's schemes first, read-only, then the console's).
Session first; nothing here commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuqing.analysis.models import SchemeVersion
from yuqing.config.settings import SchemeSettings, Settings


def list_scheme_history(session: Session, name: str | None = None, limit: int = 200) -> list[SchemeVersion]:
    """Saved states of console schemes (of one name, or all), newest first."""
    query = select(SchemeVersion).order_by(SchemeVersion.id.desc()).limit(limit)
    return list(session.scalars(query.where(SchemeVersion.name == name) if name else query))


def list_console_schemes(session: Session) -> list[SchemeVersion]:
    """The newest state of each console scheme that is not deleted, by name."""
    newest = select(func.max(SchemeVersion.id)).group_by(SchemeVersion.name)
    rows = session.scalars(select(SchemeVersion).where(SchemeVersion.id.in_(newest)).order_by(SchemeVersion.name))
    return [row for row in rows if not row.deleted]


def save_scheme_version(session: Session, scheme: SchemeSettings, *, by: str, at: datetime,
                        deleted: bool = False) -> SchemeVersion:
    """Record a new state of a console scheme (an edit, or its deletion)."""
    row = SchemeVersion(name=scheme.name, query=scheme.query, recipients=list(scheme.recipients),
                        escalate_to=list(scheme.escalate_to), deleted=deleted, created_by=by, created_at=at)
    session.add(row)
    session.flush()
    return row


def with_console_schemes(session: Session, settings: Settings) -> Settings:
    """The settings with the console's schemes added after the file's (a file scheme's name wins)."""
    own = {s.name for s in settings.schemes}
    extra = [SchemeSettings(name=r.name, query=r.query, recipients=r.recipients, escalate_to=r.escalate_to)
             for r in list_console_schemes(session) if r.name not in own]
    return settings.model_copy(update={"schemes": [*settings.schemes, *extra]}) if extra else settings
