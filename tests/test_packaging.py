"""The wheel installs one name: `yuqing/` and its dist-info, with every data file the code reads."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_wheel_holds_only_the_yuqing_package_and_its_data(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True, timeout=240)
    (wheel,) = tmp_path.glob("yuqing-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"yuqing", wheel.name.split("-py3")[0] + ".dist-info"}
    for needed in ("yuqing/__main__.py", "yuqing/cli/__init__.py", "yuqing/service/runner.py",
                   "yuqing/simulator/sites.py", "yuqing/migrations/script.py.mako",
                   "yuqing/analysis/data/sentiment.npz", "yuqing/alerts/templates/digest.html.j2",
                   "yuqing/alerts/fonts/NotoSansCJKsc-Regular-GB2312.otf"):
        assert needed in names
    assert any(name.startswith("yuqing/migrations/versions/") for name in names)
