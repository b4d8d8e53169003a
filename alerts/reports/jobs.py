"""Report jobs: read the database, draw the charts, render the template, write the .docx.

`make_period_report` and `make_incident_report` are what `yuqing report` calls;
`write_daily_docx` is what the digest job calls for `digest --format docx` / `reports.daily_docx`.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from yuqing.alerts.digest.data import local_yesterday
from yuqing.alerts.digest.model import DigestData
from yuqing.alerts.reports.charts import render_incident_charts, render_period_charts
from yuqing.alerts.reports.incident import collect_incident
from yuqing.alerts.reports.period import collect_period
from yuqing.alerts.reports.render import render_daily, render_incident, render_period
from yuqing.config.settings import Settings

log = logging.getLogger(__name__)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def write_bytes(path: Path, data: bytes) -> Path:
    """Write `data` to `path` atomically (nobody opens half a document); readable by all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def daily_docx_name(day: date) -> str:
    """digest-YYYY-MM-DD.docx, beside the digest's .html and .md."""
    return f"digest-{day.isoformat()}.docx"


def write_daily_docx(settings: Settings, data: DigestData, charts: Mapping[str, bytes], directory: Path) -> Path:
    """Render the 日报 of `data` and write it as DIR/digest-YYYY-MM-DD.docx; its path."""
    path = write_bytes(directory / daily_docx_name(data.day), render_daily(data, charts, settings.reports))
    log.info("daily report %s", path, extra={"day": data.day.isoformat()})
    return path


def make_period_report(
    settings: Settings, sessions: sessionmaker[Session], *, now: datetime, period: str,
    end: date | None = None, out_dir: str | Path | None = None,
) -> Path:
    """Write the week or month report ending on `end` (default: yesterday, local); its path."""
    end = end or local_yesterday(now, settings.digest.timezone)
    with sessions() as session:
        data = collect_period(session, settings, period, end, now=now)
    document = render_period(data, render_period_charts(data), settings.reports)
    directory = Path(out_dir if out_dir is not None else settings.reports.out_dir)
    path = write_bytes(directory / f"report-{period}-{end.isoformat()}.docx", document)
    log.info("%s report %s", period, path, extra={"day": end.isoformat()})
    return path


def make_incident_report(
    settings: Settings, sessions: sessionmaker[Session], *, now: datetime, incident_id: int,
    out_dir: str | Path | None = None,
) -> Path:
    """Write the 专报 of one incident as of `now` (a new file each time it is issued); its path."""
    with sessions() as session:
        report = collect_incident(session, settings, incident_id, now=now)
    document = render_incident(report, render_incident_charts(report), settings.reports)
    stamp = now.astimezone(ZoneInfo(settings.digest.timezone)).strftime("%Y%m%d-%H%M")
    directory = Path(out_dir if out_dir is not None else settings.reports.out_dir)
    path = write_bytes(directory / f"report-incident-{incident_id}-{stamp}.docx", document)
    log.info("incident report %s", path, extra={"incident_id": incident_id})
    return path
