"""Screenshots of kept pages: a GBK page with Chinese text drawn legibly by headless Chromium from the
kept bytes, with its script not run and nothing fetched (a server on 127.0.0.1 counts requests)."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

from yuqing.collector.screenshot import ScreenshotError, find_chromium, header_charset, render_screenshot

CHROMIUM = find_chromium("chromium")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (no `chromium` on PATH)")


@pytest.fixture
def counter() -> Iterator[tuple[str, list[str]]]:
    """A server on 127.0.0.1 that records every path asked of it."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", asked
    server.shutdown()
    server.server_close()


@needs_chromium
def test_a_gbk_page_renders_legibly_offline_without_its_script(counter: tuple[str, list[str]],
                                                                tmp_path: Path) -> None:
    base, asked = counter
    page = (f'<html><head><title>江城论坛</title><link rel="stylesheet" href="{base}/s.css"></head>'
            '<body style="background:#fff;margin:0;padding:16px">'
            '<h1 style="font-size:40px">江城市交通运输局执法车撞伤小学生后离开</h1>'
            '<p style="font-size:24px">家长讨说法遭推诿，现场很多家长都拍了视频。</p>'
            f'<img src="{base}/x.png"><iframe src="{base}/frame"></iframe>'
            f"<script>document.body.style.background='#000';fetch('{base}/js')</script></body></html>")
    png = render_screenshot(CHROMIUM or "", page.encode("gbk"), "GBK")
    (tmp_path / "shot.png").write_bytes(png)  # to look at when it fails
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.size[0] >= 1000
    assert image.getpixel((image.size[0] - 5, image.size[1] - 5)) > 250  # the script did not paint it black
    text = image.crop((16, 16, 900, 140))  # the headline and the paragraph
    dark = sum(text.histogram()[:128])
    assert dark > 2000, f"only {dark} dark pixels where the Chinese text should be"
    assert asked == []  # no stylesheet, image, frame or script request left the page


def test_a_missing_chromium_is_an_error_not_a_crash(tmp_path: Path) -> None:
    assert find_chromium("") is None and find_chromium("no-such-chromium-here") is None
    with pytest.raises(ScreenshotError):
        render_screenshot(str(tmp_path / "no-chromium"), b"<p>x</p>", None, timeout=5)


def test_the_header_charset_is_read() -> None:
    assert header_charset([["Content-Type", "text/html; charset=GBK"]]) == "GBK"
    assert header_charset([["content-type", "text/html"]]) is None
