"""The demo's database for the report tests: a folder `yuqing demo` ran in, opened again."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from yuqing.analysis.models import Story
from yuqing.config.database import create_db_engine, session_factory
from yuqing.config.loading import load_settings
from yuqing.config.settings import Settings


def run_demo_once(workdir: Path) -> Demo:
    """Run the demo's whole pipeline in `workdir` and open what it left."""
    from yuqing.service.demo import run_demo

    report = run_demo(workdir, lambda _alert: None, lambda _step, _now: None)
    assert not report.missing and not report.unexpected, "the demo itself went wrong"
    return open_demo(workdir)


@dataclass
class Demo:
    """The demo's work folder, settings and database, and the local day its scenario played."""

    workdir: Path
    config: Path
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    day: date

    def copy(self, target: Path) -> Demo:
        """A copy of the demo's database and configuration, to change without touching this one."""
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(self.workdir / "yuqing-demo.db", target / "yuqing-demo.db")
        shutil.copy(self.config, target / "yuqing.toml")
        return open_demo(target, self.day)


def open_demo(workdir: Path, day: date | None = None) -> Demo:
    """Settings and sessions over a demo folder."""
    config = workdir / "yuqing.toml"
    settings, _ = load_settings(str(config))
    engine = create_db_engine(settings.database.url)
    sessions = session_factory(engine)
    if day is None:
        with sessions() as session:
            first = min(session.scalars(select(Story.first_seen_at)))
        day = first.astimezone(ZoneInfo(settings.digest.timezone)).date()
    return Demo(workdir, config, settings, engine, sessions, day)
