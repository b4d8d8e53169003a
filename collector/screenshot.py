"""Collector stage, screenshots: kept page bytes → a PNG rendered by headless Chromium from a local
file, with the network cut and scripts off (a kept page is hostile content), or ScreenshotError.
The window is as tall as a long page (MAX_HEIGHT) and the empty background under a shorter page is
cut off, so the PNG is the whole page up to that height.
"""

from __future__ import annotations

import io
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
# Chromium's --screenshot takes the window only: a tall one, cut to what the page drew (crop_drawn)
WIDTH, MAX_HEIGHT = 1280, 8000
MARGIN = 24  # pixels of background kept under the page's last drawn line


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
                   f"--window-size={WIDTH},{MAX_HEIGHT}", f"--user-data-dir={Path(folder) / 'profile'}",
                   f"--screenshot={shot}", page.as_uri()]
        if os.geteuid() == 0:  # Chromium refuses to start as root with its sandbox
            command.insert(2, "--no-sandbox")
        try:
            subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ScreenshotError(f"chromium could not render the page: {exc}") from exc
        if not shot.exists() or shot.stat().st_size == 0:
            raise ScreenshotError("chromium wrote no screenshot")
        png = crop_drawn(shot.read_bytes())
        if png is None:
            raise ScreenshotError("chromium wrote something that is not a PNG")
        return png


def crop_drawn(png: bytes, max_ratio: float | None = None) -> bytes | None:
    """`png` cut below the page's last drawn line (what differs from the bottom corner's background,
    plus MARGIN) and to at most `max_ratio` times as tall as wide; None when the bytes are not an image."""
    from PIL import Image, ImageChops, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(png))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    image = image.convert("RGB")
    width, height = image.size
    box = ImageChops.difference(image, Image.new("RGB", image.size, image.getpixel((width - 1, height - 1)))).getbbox()
    bottom = min(height, box[3] + MARGIN) if box else height
    out = io.BytesIO()
    if max_ratio is not None:
        bottom = min(bottom, int(width * max_ratio))
    image.crop((0, 0, width, bottom)).save(out, format="PNG", optimize=True)
    return out.getvalue()
