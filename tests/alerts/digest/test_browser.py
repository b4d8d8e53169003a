"""The digest file in a real browser: headless Chromium renders it, and the charts are visible.

Skipped where Chromium is not installed (`apt-get install -y chromium`). With
YUQING_UPDATE_SCREENSHOT=1 the screenshot is also kept as docs/digest-example.png.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy.orm import Session, sessionmaker

from tests.alerts.digest.world import DAY, NOW, build_world, digest_settings
from yuqing.alerts.digest.charts import NEGATIVE_COLOUR, RELEVANT_COLOUR
from yuqing.alerts.digest.jobs import make_digest

CHROMIUM = Path("/usr/bin/chromium")
EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "digest-example.png"
WIDTH, HEIGHT = 1000, 4400


def screenshot(page: Path, out: Path, profile: Path) -> None:
    """Render `page` in headless Chromium into the PNG `out`."""
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
        f"--user-data-dir={profile}", f"--screenshot={out}", f"--window-size={WIDTH},{HEIGHT}",
        page.resolve().as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0 and out.exists(), result.stderr[-2000:]


def near(pixel: tuple[int, ...], hex_colour: str, tolerance: int = 10) -> bool:
    target = [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], target, strict=True))


def chart_bands(image: Image.Image) -> list[tuple[int, int]]:
    """Vertical runs of rows holding chart-blue bars, separated by gaps of 30 px or more."""
    rgb = image.convert("RGB")
    pixels = rgb.load()
    rows = [y for y in range(0, rgb.height, 2)
            if sum(near(pixels[x, y], RELEVANT_COLOUR) for x in range(0, rgb.width, 4)) >= 3]
    bands: list[tuple[int, int]] = []
    for y in rows:
        if bands and y - bands[-1][1] < 30:
            bands[-1] = (bands[-1][0], y)
        else:
            bands.append((y, y))
    return [b for b in bands if b[1] - b[0] >= 40]


@pytest.mark.slow
def test_digest_renders_in_chromium_with_charts(db: sessionmaker[Session], tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (Debian: apt-get install -y chromium)")
    build_world(db)
    report = make_digest(digest_settings(out_dir=str(tmp_path)), db, now=NOW, day=DAY, send=False)
    shot = tmp_path / "digest.png"
    screenshot(report.html_path, shot, tmp_path / "profile")
    image = Image.open(shot)
    assert image.size == (WIDTH, HEIGHT)
    bands = chart_bands(image)
    assert len(bands) >= 4, f"expected four chart images, found blue bands at {bands}"
    rgb = image.convert("RGB")
    for top, bottom in bands[:4]:
        red = sum(near(rgb.getpixel((x, y)), NEGATIVE_COLOUR)
                  for y in range(top, bottom + 1, 2) for x in range(0, WIDTH, 2))
        assert red > 20, f"no negative-share series drawn in the chart at rows {top}-{bottom}"
    background = rgb.getpixel((5, HEIGHT - 5))
    assert len({rgb.getpixel((x, 40)) for x in range(0, WIDTH, 10)}) > 1 and background != (0, 0, 0)
    if os.environ.get("YUQING_UPDATE_SCREENSHOT"):
        EXAMPLE.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, EXAMPLE)
