"""Timestamps are stored in UTC and read back timezone-aware on every database."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from yuqing.collector.models import Source
from yuqing.config.database import transaction

SHANGHAI = timezone(timedelta(hours=8))


def test_aware_timestamps_round_trip(db) -> None:
    moment = datetime(2026, 11, 21, 9, 41, 12, tzinfo=SHANGHAI)
    with transaction(db) as session:
        session.add(Source(name="s", kind="rss", url="http://x/", site="x", last_success_at=moment,
                           consecutive_failures=0))
    with db() as session:
        stored = session.scalar(select(Source.last_success_at))
    assert stored == moment
    assert stored is not None and stored.utcoffset() == timedelta(0)


def test_naive_timestamps_are_refused(db) -> None:
    with pytest.raises(Exception, match="naive datetime"), transaction(db) as session:
        session.add(Source(name="s", kind="rss", url="http://x/", site="x",
                           last_success_at=datetime(2026, 1, 1), consecutive_failures=0))
