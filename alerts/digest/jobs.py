"""Digest jobs: make the day's digest (files, record, delivery) and catch up on missed days.

`make_digest` is what `yuqing digest` calls; `run_digest` is what the service schedules at
`digest.time` and once at start.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from yuqing.alerts.channels import SendResult, send_email, send_text
from yuqing.alerts.digest.charts import render_charts
from yuqing.alerts.digest.data import collect_digest, local_yesterday
from yuqing.alerts.digest.mail import compose_digest_email
from yuqing.alerts.digest.model import DigestData
from yuqing.alerts.digest.render import data_uris, digest_event, render_html, render_markdown
from yuqing.alerts.digest.store import mark_digest_sent, missing_digest_days, record_digest
from yuqing.alerts.reports.jobs import write_daily_docx
from yuqing.config.database import transaction
from yuqing.config.settings import ChannelSettings, Settings

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class ChannelResult:
    """What happened to the digest on one channel: sent, failed (with the error) or skipped."""

    channel: str
    kind: str
    status: str  # sent | failed | skipped
    detail: str = ""


@dataclass
class DigestReport:
    """One digest made: the day, its files, the headline figures and each channel's result."""

    day: date
    html_path: Path
    markdown_path: Path
    figures: dict[str, Any]
    results: list[ChannelResult] = field(default_factory=list)
    docx_path: Path | None = None

    @property
    def failed(self) -> list[ChannelResult]:
        """Channels that did not take the digest."""
        return [r for r in self.results if r.status == "failed"]

    def __str__(self) -> str:
        sent = sum(r.status == "sent" for r in self.results)
        tail = f", sent to {sent}/{len(self.results)} channels" if self.results else ""
        docx = f", {self.docx_path}" if self.docx_path else ""
        return f"digest {self.day}: {self.html_path}, {self.markdown_path}{docx}{tail}"


def make_digest(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    day: date | None = None,
    send: bool = True,
    out_dir: str | Path | None = None,
    docx: bool | None = None,
) -> DigestReport:
    """Write the digest of `day` (default: yesterday, local) as HTML and Markdown, and as the 日报
    in Word when `docx` (default: `reports.daily_docx`); record it; send it (the .docx attached)."""
    day = day or local_yesterday(now, settings.digest.timezone)
    with sessions() as session:
        data = collect_digest(session, settings, day, now=now)
    charts = render_charts(data)
    directory = Path(out_dir if out_dir is not None else settings.digest.out_dir)
    html_path = write_file(directory / f"digest-{day.isoformat()}.html", render_html(data, data_uris(charts)))
    markdown_path = write_file(directory / f"digest-{day.isoformat()}.md", render_markdown(data))
    docx_path = write_daily_docx(settings, data, charts, directory) if (
        settings.reports.daily_docx if docx is None else docx) else None
    figures = headline_figures(data)
    with transaction(sessions) as session:
        record_digest(session, day, now=now, html_path=str(html_path), markdown_path=str(markdown_path),
                      figures=figures)
    report = DigestReport(day, html_path, markdown_path, figures, docx_path=docx_path)
    if send:
        report.results = deliver_digest(settings, data, charts, html_path, docx_path)
        delivered = any(r.status == "sent" for r in report.results) and not report.failed
        with transaction(sessions) as session:
            mark_digest_sent(session, day, sent_at=now if delivered else None,
                             results={r.channel: r.status for r in report.results})
    log.info("%s", report, extra={"day": day.isoformat()})
    return report


def deliver_digest(
    settings: Settings, data: DigestData, charts: Mapping[str, bytes], html_path: Path,
    docx_path: Path | None = None,
) -> list[ChannelResult]:
    """Send the digest to `digest.channels` (default: every channel), the 日报 .docx attached to
    the emails when there is one; one result per channel."""
    names = settings.digest.channels
    channels = settings.expand(names) if names is not None else list(settings.channels)
    location = str(html_path.resolve())
    attachments = {docx_path.name: docx_path.read_bytes()} if docx_path else None
    results = []
    for channel in channels:
        if channel.kind == "email":  # the whole digest, charts inline; other channels get its summary
            message = compose_digest_email(data, charts, channel.sender or "", channel.to, attachments)
            result = send_email(channel, message)
        else:
            result = send_summary(channel, data, location)
        if result.ok:
            results.append(ChannelResult(channel.name, channel.kind, "sent"))
            continue
        error = f"channel {channel.name!r}: {result.error or result.response}"
        log.warning("digest not delivered: %s", error, extra={"channel": channel.name})
        results.append(ChannelResult(channel.name, channel.kind, "failed", error))
    return results


def send_summary(channel: ChannelSettings, data: DigestData, location: str) -> SendResult:
    """Send the digest's short summary to a bot, webhook or log channel."""
    payload = digest_event(data, uid=f"digest-{data.day.isoformat()}", location=location)
    return send_text(channel, payload["title"], payload["summary"], event="digest.ready",
                     extra={k: v for k, v in payload.items() if k not in ("event", "title")})


def headline_figures(data: DigestData) -> dict[str, Any]:
    """The figures stored on the digest row: the day's headline numbers and its blind spots."""
    t = data.today
    return {
        "posts": t.posts, "relevant": t.relevant, "negative": t.negative, "unanalysed": t.unanalysed,
        "new_stories": t.new_stories, "tiers": dict(t.tiers), "incidents": len(data.incidents),
        "blind_spots": [s.source for s in data.blind_spots],
    }


def write_file(path: Path, text: str) -> Path:
    """Write `text` to `path` atomically (a reader never sees half a digest)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a digest is meant to be read and forwarded
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


@dataclass
class DigestRunSummary:
    """What the scheduled digest job did: the digests made (the latest one also sent)."""

    reports: list[DigestReport] = field(default_factory=list)

    def __str__(self) -> str:
        if not self.reports:
            return "digest: nothing due"
        return "; ".join(str(r) for r in self.reports)


def run_digest(settings: Settings, sessions: sessionmaker[Session], *, now: datetime) -> DigestRunSummary:
    """Make every digest that is due and missing (after downtime too); send only the latest."""
    with sessions() as session:
        days = missing_digest_days(session, settings, now)
    summary = DigestRunSummary()
    for day in days:
        summary.reports.append(
            make_digest(settings, sessions, now=now, day=day, send=day == days[-1])
        )
    return summary
