"""The console screenshots in docs/ (issue 15): the demo's data, the console on it, Playwright driving
Debian's chromium at desktop and phone width.

    .venv/bin/python -m bench.screenshots [--out docs]

Writes console-desk-desktop.png, console-desk-phone.png, console-story-desktop.png and
console-story-phone.png. The console's clock is set to 3 h 20 min after the newest incident opened
(the demo's 快报 deadline is 4 h), so the desk shows a deadline near (amber) beside a met one (green).
"""

from __future__ import annotations

import argparse
import secrets
import socket
import tempfile
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from sqlalchemy import select

from yuqing.alerts.handling import ack_incident
from yuqing.alerts.models import Incident
from yuqing.config.database import create_db_engine, session_factory, transaction, utcnow
from yuqing.config.loading import load_settings
from yuqing.config.web import WebSettings
from yuqing.service.account_store import save_user
from yuqing.service.demo import run_demo
from yuqing.web.serve import ConsoleThread

PASSWORD = secrets.token_urlsafe(16)
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _log_in(page: Page, base: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=name]", "值班员")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state("networkidle")


def main() -> None:
    """Run the demo, serve the console on its data, take the four screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs"))
    out = parser.parse_args().out
    folder = Path(tempfile.mkdtemp(prefix="yuqing-shots-"))
    run_demo(folder, lambda _alert: None, lambda _step, _now: None)
    settings, _ = load_settings(str(folder / "yuqing.toml"))
    engine = create_db_engine(settings.database.url)
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        save_user(session, "值班员", "handler", PASSWORD, utcnow())
        incidents = list(session.scalars(select(Incident).order_by(Incident.opened_at)))
    newest = incidents[-1]
    ack_incident(sessions, incidents[0].id, by="张三", now=incidents[0].opened_at + timedelta(minutes=12))
    clock_at = newest.opened_at + timedelta(hours=3, minutes=20)
    port = _port()
    web = WebSettings(listen=f"127.0.0.1:{port}")
    console = ConsoleThread(settings.model_copy(update={"web": web}), engine, secrets.token_urlsafe(32),
                            clock=lambda: clock_at)
    console.start()
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            for size, viewport in SIZES.items():
                page = browser.new_page(viewport=viewport, device_scale_factor=1 if size == "desktop" else 2)
                _log_in(page, base)
                page.goto(base + "/incidents")
                page.wait_for_timeout(1200)  # a countdown tick
                page.screenshot(path=str(out / f"console-desk-{size}.png"), full_page=True)
                page.goto(f"{base}/stories/{newest.story_id}")
                page.screenshot(path=str(out / f"console-story-{size}.png"), full_page=True)
                page.close()
            browser.close()
    finally:
        console.stop()
        engine.dispose()
    print(f"screenshots in {out}/console-*.png (demo data in {folder})")


if __name__ == "__main__":
    main()
