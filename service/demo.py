"""`yuqing demo`: the whole pipeline against the simulated sites on 127.0.0.1, pass by pass on a
simulated clock, alerts checked against the scenario's expectations.

Simulator + webhook receiver + a fresh SQLite database and config in a work folder in;
the alerts as they arrive, the story table, the digest's path and a verdict out.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from yuqing.alerts.digest.store import get_digest
from yuqing.analysis.models import Story
from yuqing.analysis.store import list_stories
from yuqing.config.database import create_db_engine, session_factory, utcnow
from yuqing.config.errors import YuqingError
from yuqing.config.loading import load_settings
from yuqing.config.logs import configure_logging
from yuqing.config.settings import Settings
from yuqing.service.migrate import upgrade
from yuqing.service.pipeline import run_pass
from yuqing.service.scheduler import write_digest
from yuqing.simulator import scenario
from yuqing.simulator.receiver import WebhookReceiver
from yuqing.simulator.sites import SimulatedSites

ZONE = ZoneInfo("Asia/Shanghai")
Key = tuple[int, str, str | None, str | None]  # step, event, story label, tier


@dataclass
class DemoAlert:
    """One alert the receiver got, with the step whose pass sent it."""

    step: int
    payload: dict[str, object]

    @property
    def key(self) -> Key:
        """What the expectations compare: (step, event, story, tier)."""
        tier = self.payload.get("tier")
        return self.step, str(self.payload.get("event")), scenario.story_of_alert(self.payload), \
            str(tier) if tier else None


@dataclass
class DemoReport:
    """What the demo saw, and how it compares with the scenario."""

    workdir: Path
    alerts: list[DemoAlert] = field(default_factory=list)
    stories: list[Story] = field(default_factory=list)
    digest_paths: list[str] = field(default_factory=list)
    digest_note: str | None = None
    seconds: float = 0.0

    @property
    def missing(self) -> list[Key]:
        """Expected alerts that did not arrive (once each)."""
        return list((Counter(_expected()) - Counter(a.key for a in self.alerts)).elements())

    @property
    def unexpected(self) -> list[Key]:
        """Alerts that arrived but were not expected, or arrived more than once."""
        return list((Counter(a.key for a in self.alerts) - Counter(_expected())).elements())


def _expected() -> list[Key]:
    return [(e.step, e.event, e.story, e.tier) for e in scenario.EXPECTED_ALERTS]


def scenario_start(now: datetime) -> datetime:
    """The simulated morning the story breaks: 09:00 yesterday in Shanghai."""
    local = now.astimezone(ZONE)
    return datetime.combine(local.date() - timedelta(days=1), datetime.min.time(), ZONE) + timedelta(hours=9)


def write_demo_config(workdir: Path, sites: SimulatedSites, receiver: WebhookReceiver, *,
                      interval: str = "10m", service: str = "") -> Path:
    """The demo's configuration: the simulated sources, one scheme, a webhook to the receiver."""
    def source(name: str, kind: str, board: str, site: str, extra: str = "") -> str:
        return (f'[[sources]]\nname = "{name}"\nkind = "{kind}"\nurl = "{sites.url(board)}"\n'
                f'site = "{site}"\ninterval = "{interval}"\n{extra}\n')

    selectors = ('[sources.selectors]\nitem = "div.post"\ntitle = "a.title"\nlink = "a.title@href"\n'
                 'time = "span.time"\nbody = "div.text"\nauthor = "span.author"\nviews = "span.views"\n'
                 'replies = "span.replies"\nreposts = "span.reposts"\n')
    text = (
        '# Written by `yuqing demo`: the simulated sites of the scenario on 127.0.0.1.\n'
        '[database]\nurl = "sqlite:///yuqing-demo.db"\n\n'
        '[fetch]\ntimeout = "5s"\nretries = 0\nper_host_delay = "0s"\nper_host_concurrency = 8\n\n'
        f'[analysis]\nuser_words = {json.dumps(scenario.USER_WORDS, ensure_ascii=False)}\n\n'
        + source("jiangcheng-news", "rss", "news", "news.jiangcheng.example")
        + source("bureau-press", "rss", "press", "press.jiangcheng.example")
        + source("jiangcheng-bbs", "discuz", "bbs", "bbs.jiangcheng.example", "fetch_threads = true\n")
        + source("life-bbs", "discuz", "bbs2", "life.jiangcheng.example", "fetch_threads = true\n")
        + source("city-weibo", "html", "weibo", "weibo.jiangcheng.example", selectors)
        + f'[[schemes]]\nname = "{scenario.SCHEME_NAME}"\nquery = {json.dumps(scenario.SCHEME_QUERY, ensure_ascii=False)}\n\n'
        f'[[channels]]\nname = "demo-hook"\nkind = "webhook"\nurl = "{receiver.url}"\nmin_tier = "significant"\n\n'
        '# long enough that no deadline falls inside the scenario\'s two simulated hours\n'
        '[deadlines]\nreport = "4h"\nemergency_facts = "4h"\nrespond = "12h"\n\n'
        '[digest]\ntime = "08:00"\ntimezone = "Asia/Shanghai"\nout_dir = "digests"\n\n'
        '# pages are kept and watched; Chromium screenshots would add seconds to every pass\n'
        '[evidence]\nscreenshots = false\n\n'
        f'[service]\nlog_file = "yuqing.log"\n{service}'
    )
    path = workdir / "yuqing.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run_demo(workdir: Path, show_alert: Callable[[DemoAlert], None], show_step: Callable[[int, datetime], None],
             ) -> DemoReport:
    """Play the scenario step by step through real passes; return what arrived and the stories."""
    began = time.monotonic()
    report = DemoReport(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    start = scenario_start(utcnow())
    with SimulatedSites(start=start) as sites, WebhookReceiver() as receiver:
        settings, _ = load_settings(str(write_demo_config(workdir, sites, receiver)))
        configure_logging(settings)
        engine = create_db_engine(settings.database.url)
        try:
            upgrade(engine)
            sessions = session_factory(engine)
            for step in range(scenario.STEPS):
                now = start + timedelta(minutes=scenario.STEP_MINUTES * step)
                if step:
                    sites.advance(now)
                show_step(step, now)
                seen = len(receiver.received())
                run_pass(settings, sessions, now=now)
                for got in receiver.received()[seen:]:
                    alert = DemoAlert(step, got.json if isinstance(got.json, dict) else {"event": "(not JSON)"})
                    report.alerts.append(alert)
                    show_alert(alert)
            report.stories = _stories(sessions)
            _write_digest(settings, sessions, start, report)
        finally:
            engine.dispose()
    report.seconds = time.monotonic() - began
    return report


def _stories(sessions: sessionmaker[Session]) -> list[Story]:
    with sessions() as session:
        return sorted(list_stories(session), key=lambda story: story.id)


def _write_digest(settings: Settings, sessions: sessionmaker[Session], start: datetime, report: DemoReport) -> None:
    """The digest of the scenario's day, as the service would write it at 08:00 the next morning."""
    day = start.astimezone(ZONE).date()
    morning = datetime.combine(day + timedelta(days=1), settings.digest.time, ZONE)
    try:
        write_digest(settings, sessions, now=morning, day=day, send=False)  # the receiver expects tier alerts only
    except (OSError, YuqingError) as exc:  # a digest that cannot be written is reported, not fatal
        report.digest_note = str(exc)
        return
    with sessions() as session:
        row = get_digest(session, day)
    if row is not None:
        report.digest_paths = [p for p in (row.html_path, row.markdown_path) if p]
