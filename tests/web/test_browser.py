"""The console in a real browser: Playwright drives Debian's Chromium against uvicorn on 127.0.0.1.

A handler on a 390-pixel-wide phone logs in, acknowledges, responds and closes an incident; the CLI
then shows the same record. Skipped with the reason where /usr/bin/chromium or Playwright is missing.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from yuqing.config.database import create_db_engine
from yuqing.web.serve import ConsoleThread

from .conftest import PASSWORD, SECRET, USERS, World

CHROMIUM = Path("/usr/bin/chromium")
playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install playwright)")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install -y chromium fonts-noto-cjk"),
]
PHONE = {"width": 390, "height": 844}


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_console(world: World, db_url: str) -> Iterator[str]:
    """The console served by uvicorn in a thread; yields its base URL."""
    port = free_port()
    web = world.settings.web.model_copy(update={"listen": f"127.0.0.1:{port}"})  # type: ignore[union-attr]
    engine = create_db_engine(db_url)
    console = ConsoleThread(world.settings.model_copy(update={"web": web}), engine, SECRET)
    console.start()
    yield f"http://127.0.0.1:{port}"
    console.stop()
    engine.dispose()


@pytest.fixture
def browser() -> Iterator[object]:
    """Headless Chromium from Debian, without `playwright install`."""
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


def log_in(page: object, base: str, role: str, path: str) -> None:
    """Open `path`, get sent to the login form, log in, land back on `path`."""
    page.goto(base + path)  # type: ignore[attr-defined]
    page.fill("input[name=name]", USERS[role])  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    page.click("form button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(base + path)  # type: ignore[attr-defined]


def test_a_handler_on_a_phone_handles_an_incident_and_the_cli_shows_it(
    live_console: str, browser: object, world: World, yuqing: Callable[..., object],
    write_config: Callable[..., Path], db_url: str,
) -> None:
    page = browser.new_page(viewport=PHONE)  # type: ignore[attr-defined]
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    log_in(page, live_console, "handler", "/incidents")
    page.click(f'a[href="/incidents/{world.incident_id}"]')
    countdown = page.locator(".countdown").first
    page.wait_for_function("document.querySelector('.countdown').textContent.startsWith('剩余')")
    assert "分" in countdown.inner_text()  # the static script ticks it
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling

    page.click("text=确认(快报)")
    page.wait_for_selector("text=已确认。")
    page.fill("textarea[name=note]", "区交通局已发布情况通报")
    page.fill("input[name=url]", "https://gov.example.cn/notice/1")
    page.click("text=记录回复")
    page.wait_for_selector("text=已记录正面回复。")
    page.fill("textarea[name=summary]", "处置及时,舆情平息")
    page.click("text=关闭事件")
    page.wait_for_selector("text=已关闭并记录评估。")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert violations == []

    result = yuqing("--config", str(write_config(f'[database]\nurl = "{db_url}"\n')), "incidents", "--json")
    record = json.loads(result.out)[0]  # type: ignore[attr-defined]
    assert (record["status"], record["acknowledged_by"]) == ("closed", USERS["handler"])
    assert (record["response_note"], record["response_url"]) == ("区交通局已发布情况通报", "https://gov.example.cn/notice/1")
    assert record["summary"] == "处置及时,舆情平息"


def test_the_story_list_refreshes_itself_with_htmx(live_console: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    log_in(page, live_console, "viewer", "/stories")
    stamp = page.locator("#story-table").get_attribute("hx-get")
    with page.expect_response(lambda r: "/stories" in r.url and r.request.headers.get("hx-request") == "true"):
        page.evaluate("htmx.trigger('#story-table', 'refresh')")  # what `every 30s` fires, without the wait
    page.wait_for_selector("#story-table tbody tr")
    assert page.locator("#story-table").get_attribute("hx-get") == stamp  # swapped for the same table
    assert page.locator("html").count() == 1
