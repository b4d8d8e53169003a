"""The console's queries (service/console_store.py) against the orders they promise: the story list
read tier by tier from ix_stories_heat gives, page after page, exactly the order of sorting every
story by rank and heat; the desk ordered in SQL gives exactly the order of sorting every incident
by its deadline states in Python. Runs on SQLite, and on PostgreSQL with YUQING_TEST_DATABASE_URL."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from yuqing.alerts.models import Incident
from yuqing.analysis.models import Story
from yuqing.analysis.store import list_stories
from yuqing.config.database import transaction, utcnow
from yuqing.config.settings import DeadlineSettings
from yuqing.service import console_store
from yuqing.service.console_store import StoryFilters, desk_row, list_desk, list_story_rows

NOW = utcnow().replace(microsecond=0)
TIERS = (None, None, None, "general", "significant", "major", "critical")


@pytest.fixture
def stories(db: sessionmaker[Session]) -> sessionmaker[Session]:
    """60 stories: every tier, ties in clicks and times, two archived, titles with 交通局 in some."""
    rng = random.Random(7)
    with transaction(db) as session:
        for n in range(60):
            session.add(Story(
                title=f"{'交通局' if n % 4 == 0 else '卫健委'}事件{n}", tier=TIERS[n % len(TIERS)],
                clicks_24h=rng.choice((0, 10, 10, 500, 9000)), archived=n in (5, 17),
                last_post_at=NOW - timedelta(minutes=rng.choice((1, 1, 30, 600))), sites=["a.cn"]))
    return db


def _pages(session: Session, filters: StoryFilters) -> list[int]:
    ids: list[int] = []
    for page in range(1, 100):
        rows = list_story_rows(session, StoryFilters(**{**filters.__dict__, "page": page}))
        ids += [s.id for s in rows]
        if len(rows) < console_store.PAGE_SIZE:
            return ids
    raise AssertionError("the list never ended")


@pytest.mark.parametrize("tier", [None, "none", "major"])
def test_story_pages_follow_rank_then_heat(stories: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch,
                                           tier: str | None) -> None:
    monkeypatch.setattr(console_store, "PAGE_SIZE", 4)  # pages that start and end inside tiers
    with stories() as session:
        expected = [s.id for s in list_stories(session, tier=tier)]
        assert len(expected) > 4  # more than a page
        assert _pages(session, StoryFilters(tier=tier)) == expected


def test_story_pages_with_a_title_search(stories: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console_store, "PAGE_SIZE", 3)
    with stories() as session:
        expected = [s.id for s in list_stories(session) if "交通局" in s.title]
        assert 0 < len(expected) < 58
        assert _pages(session, StoryFilters(search="交通局")) == expected


def test_first_page_is_the_top_of_the_full_order(stories: sessionmaker[Session]) -> None:
    with stories() as session:
        rows = list_story_rows(session, StoryFilters())
        assert [s.id for s in rows] == [s.id for s in list_stories(session, limit=console_store.PAGE_SIZE)]
        assert rows[0].tier == "critical" and rows[-1].tier is None  # 58 shown stories, a page of 50


@pytest.fixture
def incidents(db: sessionmaker[Session]) -> sessionmaker[Session]:
    """40 incidents: missed, near, pending and met deadlines, some without facts_by, a quarter closed."""
    rng = random.Random(3)
    with transaction(db) as session:
        for n in range(40):
            opened = NOW - timedelta(minutes=rng.choice((5, 25, 40, 200, 800)))
            story = Story(title=f"事件{n}", tier="major", last_post_at=opened)
            session.add(story)
            session.flush()
            acked, responded = rng.random() < .5, rng.random() < .3
            session.add(Incident(
                story_id=story.id, status="closed" if n % 4 == 0 else ("responded" if responded else "open"),
                tier="major", opened_at=opened, cycle_started_at=opened,
                report_by=opened + timedelta(minutes=30),
                facts_by=opened + timedelta(hours=2) if n % 3 else None, respond_by=opened + timedelta(hours=12),
                acknowledged_at=opened if acked or responded else None, responded_at=opened if responded else None))
    return db


@pytest.mark.parametrize("include_closed", [False, True])
def test_desk_pages_follow_urgency(incidents: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch,
                                   include_closed: bool) -> None:
    monkeypatch.setattr(console_store, "PAGE_SIZE", 7)
    deadlines = DeadlineSettings()
    with incidents() as session:
        every = [desk_row(i, None, deadlines, NOW) for i in session.query(Incident)
                 if include_closed or i.status != "closed"]
        every.sort(key=lambda r: (r.incident.status == "closed", r.urgency, -r.incident.opened_at.timestamp(),
                                  -r.incident.id))
        shown, totals = [], set()
        for page in range(1, 8):
            rows, total = list_desk(session, deadlines, NOW, include_closed=include_closed, page=page)
            shown += rows
            totals.add(total)
        assert totals == {len(every)}
        assert [r.incident.id for r in shown] == [r.incident.id for r in every]
        assert all(r.story is not None and r.story.title.startswith("事件") for r in shown)
        assert any(r.urgency < 0 for r in shown) and any(r.urgency == float("inf") for r in shown)
