"""Digest charts: PNGs that decode, carry the chart colours, and draw every Chinese glyph."""

from __future__ import annotations

import io
import subprocess
import sys
import warnings

from PIL import Image

from tests.alerts.digest.samples import sample_digest
from yuqing.alerts.digest.charts import (
    FONT_PATH,
    NEGATIVE_COLOUR,
    RELEVANT_COLOUR,
    font_family,
    render_charts,
)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _count(image: Image.Image, colour: tuple[int, int, int]) -> int:
    return sum(n for n, pixel in image.convert("RGB").getcolors(1 << 20) or [] if pixel == colour)


def test_every_chart_is_a_png_with_both_series() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font" for tofu
        charts = render_charts(sample_digest())
    assert set(charts) == {"hourly", "daily", "site", "category"}
    for name, png in charts.items():
        image = Image.open(io.BytesIO(png))
        image.load()
        assert image.format == "PNG" and image.size == (936, 377), name
        assert _count(image, _rgb(RELEVANT_COLOUR)) > 500, name
        assert _count(image, _rgb(NEGATIVE_COLOUR)) > 100, name


def test_an_empty_day_still_draws_every_chart() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        charts = render_charts(sample_digest(empty=True))
    assert all(Image.open(io.BytesIO(png)).size == (936, 377) for png in charts.values())


def test_the_shipped_font_covers_the_labels() -> None:
    from matplotlib.ft2font import FT2Font

    font = FT2Font(str(FONT_PATH))
    labels = "当日分时:相关信息量与负面占比近日站点类型红色为其他条问题突发事件敏感意见建议造谣诽谤未分类无%()"
    assert [ch for ch in labels if font.get_char_index(ord(ch)) == 0] == []
    assert font_family() == "Noto Sans CJK SC"
    assert FONT_PATH.stat().st_size < 4 * 1024 * 1024
    assert (FONT_PATH.parent / "OFL.txt").read_text(encoding="utf-8").count("SIL OPEN FONT LICENSE") == 1


def test_importing_the_module_loads_no_matplotlib() -> None:
    code = "import sys, yuqing.alerts.digest.charts; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
