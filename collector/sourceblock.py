"""Collector stage, blocked sources in the collection job: a poll's answer or error → the source marked blocked.

The pure tests of an answer are in `collector.blocked`; this module applies them to a poll and
records the outcome (`collector.store.record_poll_blocked`), so `jobs.py` needs one line per step.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from yuqing.collector.blocked import BlockedError, blocked_status, gate_redirect
from yuqing.collector.fetcher import FetchResult, HttpStatusError
from yuqing.collector.models import Source
from yuqing.collector.store import PollRecord, get_source, had_items, record_poll_blocked
from yuqing.config.settings import Settings, SourceSettings

logger = logging.getLogger(__name__)


def wants_history(session: Session, row: Source, source: SourceSettings) -> bool:
    """For a json source, whether its last read found items (an empty list next means blocked)."""
    return source.kind == "json" and had_items(session, row)


def check_gate(url: str, result: FetchResult) -> None:
    """Raise BlockedError when the answer came from a login, visitor or captcha page we were sent to."""
    reason = gate_redirect(url, result.final_url)
    if reason:
        raise BlockedError(reason)


def blocked_reason(exc: BaseException) -> str | None:
    """The reason a poll's failure means the site refuses us (403/418/432, a gate, an error object), or None."""
    if isinstance(exc, BlockedError):
        return exc.reason
    if isinstance(exc, HttpStatusError):
        return blocked_status(exc.status)
    return None


def note_blocked(session: Session, settings: Settings, source: SourceSettings, poll: PollRecord, reason: str,
                 retry_after: float | None) -> None:
    """Record the refused poll: the source is blocked and next polled after `fetch.blocked_backoff`."""
    row = get_source(session, source.name)
    first = row.blocked_at is None
    record_poll_blocked(session, row, poll, reason=reason, backoff=settings.fetch.blocked_backoff,
                        retry_after=retry_after)
    if first:
        logger.warning("source %s is blocked: %s; next poll in %s", source.name, reason,
                       settings.fetch.blocked_backoff, extra={"source": source.name})
