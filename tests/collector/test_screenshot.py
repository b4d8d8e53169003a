"""Screenshots of kept pages: a GBK page with Chinese text drawn legibly by headless Chromium from the
kept bytes (as stored: packed and unpacked), with its script not run and nothing fetched (a server on
127.0.0.1 counts requests); the glyphs are real ones, not the boxes of a missing CJK font."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from yuqing.collector.evidence import pack_page, unpack_page
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


HEADLINE = "江城市交通运输局执法车撞伤小学生后离开"
OTHER = "市民反映医院排队挂号时间过长要求改进"  # as many characters, none in common with HEADLINE


def _page(base: str, headline: str) -> bytes:
    """A forum page in GBK that tries to load a stylesheet, an image, a frame and a script from `base`."""
    return (f'<html><head><title>江城论坛</title><link rel="stylesheet" href="{base}/s.css"></head>'
            '<body style="background:#fff;margin:0;padding:16px">'
            f'<h1 style="font-size:40px">{headline}</h1>'
            '<p style="font-size:24px">家长讨说法遭推诿，现场很多家长都拍了视频。</p>'
            f'<img src="{base}/x.png"><iframe src="{base}/frame"></iframe>'
            f"<script>document.body.style.background='#000';fetch('{base}/js')</script></body></html>").encode("gbk")


@needs_chromium
def test_a_gbk_page_renders_legibly_offline_without_its_script(counter: tuple[str, list[str]],
                                                                tmp_path: Path) -> None:
    base, asked = counter
    stored = pack_page(_page(base, HEADLINE)).compressed  # as the evidence table keeps it
    png = render_screenshot(CHROMIUM or "", unpack_page(stored), "GBK")
    (tmp_path / "shot.png").write_bytes(png)  # to look at when it fails
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.size[0] >= 1000
    assert image.getpixel((image.size[0] - 5, image.size[1] - 5)) > 250  # the script did not paint it black
    text = image.crop((16, 16, 900, 140))  # the headline and the paragraph
    dark = sum(text.histogram()[:128])
    assert dark > 2000, f"only {dark} dark pixels where the Chinese text should be"
    # Without a CJK font every character is the same box: another headline would draw the same pixels
    other = Image.open(io.BytesIO(render_screenshot(CHROMIUM or "", _page(base, OTHER), "GBK"))).convert("L")
    region = (16, 16, 900, 80)
    differing = sum(ImageChops.difference(image.crop(region), other.crop(region)).histogram()[65:])
    assert differing > 3000, f"two different headlines differ in only {differing} pixels: glyphs are boxes"
    assert asked == []  # no stylesheet, image, frame or script request left the page


def test_a_missing_chromium_is_an_error_not_a_crash(tmp_path: Path) -> None:
    assert find_chromium("") is None and find_chromium("no-such-chromium-here") is None
    with pytest.raises(ScreenshotError):
        render_screenshot(str(tmp_path / "no-chromium"), b"<p>x</p>", None, timeout=5)


def test_the_header_charset_is_read() -> None:
    assert header_charset([["Content-Type", "text/html; charset=GBK"]]) == "GBK"
    assert header_charset([["content-type", "text/html"]]) is None


@needs_chromium
def test_the_whole_page_is_drawn_and_the_empty_window_below_it_cut(tmp_path: Path) -> None:
    lines = "".join(f'<p style="font-size:24px;margin:0;height:40px">第{n}楼：同城路过，关注后续。</p>'
                    for n in range(1, 101))  # 4,000 pixels of replies: past the first screen
    long = render_screenshot(CHROMIUM or "", f"<html><body style='margin:0'>{lines}</body></html>".encode("gbk"), "GBK")
    image = Image.open(io.BytesIO(long)).convert("L")
    (tmp_path / "long.png").write_bytes(long)
    assert 4000 <= image.size[1] <= 4000 + 100, image.size  # the page's height, not the window's 8,000
    last_reply = image.crop((0, 3960, 600, 4000))  # 第100楼 is drawn
    assert sum(last_reply.histogram()[:128]) > 500
    short = render_screenshot(CHROMIUM or "", "<p style='font-size:30px'>帖子不存在</p>".encode("gbk"), "GBK")
    assert Image.open(io.BytesIO(short)).size[1] < 120
