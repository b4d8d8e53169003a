"""Collector stage, screenshots: kept page bytes → a PNG rendered by headless Chromium from a local
file, with the network cut and scripts off (a kept page is hostile content), or ScreenshotError.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from yuqing.config.errors import YuqingError

# Put before the page's own bytes: nothing loads (no script, image, font or frame from anywhere),
# inline styles still apply. The proxy and resolver switches below cut the network besides.
_LOCKDOWN = ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
             'style-src \'unsafe-inline\'; img-src data:; font-src data:">')
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
WIDTH, HEIGHT = 1280, 2400  # the top of the page: Chromium's --screenshot takes the window only


class ScreenshotError(YuqingError):
    """Chromium could not render the page (missing, timed out, or wrote no image)."""


def find_chromium(command: str) -> str | None:
    """The path of the Chromium command (`evidence.chromium`), or None when it is not installed."""
    return shutil.which(command) if command else None


def header_charset(headers: list[list[str]]) -> str | None:
    """The charset the answer's Content-Type header declared, if any."""
    for name, value in headers:
        if name.lower() == "content-type" and (found := _CHARSET.search(value)):
            return found.group(1)
    return None


def render_screenshot(chromium: str, content: bytes, charset: str | None, *, timeout: float = 60.0) -> bytes:
    """PNG bytes of `content` (raw page bytes) as Chromium draws it from a file, offline, scripts off."""
    prefix = _LOCKDOWN
    if charset:  # the HTTP header outranks the page's own <meta> in a browser: keep it so
        prefix += f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    with tempfile.TemporaryDirectory(prefix="yuqing-shot-") as folder:
        page, shot = Path(folder) / "page.html", Path(folder) / "shot.png"
        page.write_bytes(prefix.encode("ascii") + content)
        command = [chromium, "--headless", "--disable-gpu", "--disable-javascript", "--no-first-run",
                   "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
                   "--host-resolver-rules=MAP * ~NOTFOUND", "--hide-scrollbars",
                   f"--window-size={WIDTH},{HEIGHT}", f"--user-data-dir={Path(folder) / 'profile'}",
                   f"--screenshot={shot}", page.as_uri()]
        if os.geteuid() == 0:  # Chromium refuses to start as root with its sandbox
            command.insert(2, "--no-sandbox")
        try:
            subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ScreenshotError(f"chromium could not render the page: {exc}") from exc
        if not shot.exists() or shot.stat().st_size == 0:
            raise ScreenshotError("chromium wrote no screenshot")
        return shot.read_bytes()
