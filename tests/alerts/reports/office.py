"""LibreOffice and poppler for the report tests: .docx → PDF (soffice), PDF → text (pdftotext)
and PNG pages (pdftoppm); each test that needs them is skipped, with the reason, where missing."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest

INSTALL = "apt-get install -y libreoffice-writer fonts-noto-cjk poppler-utils (as .ci/run does)"


def need_tools() -> None:
    """Skip the test unless soffice, pdftotext and pdftoppm are installed."""
    for tool in ("soffice", "pdftotext", "pdftoppm"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed: {INSTALL}")


def to_pdf(docx: Path, profile: Path) -> Path:
    """Convert with LibreOffice, headless, in its own profile; the PDF's path."""
    return to_pdfs([docx], profile)[0]


def to_pdfs(documents: list[Path], profile: Path) -> list[Path]:
    """Convert several .docx in one LibreOffice run; their PDFs, in order. Fails if LibreOffice
    could not load one (a file it would have to repair converts to nothing, with an error)."""
    need_tools()
    out = documents[0].parent / "pdf"
    result = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(out), *map(str, documents)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    pdfs = [out / (docx.stem + ".pdf") for docx in documents]
    assert result.returncode == 0 and all(p.is_file() for p in pdfs), f"soffice: {result.stdout}{result.stderr}"
    assert "error" not in result.stderr.lower(), result.stderr
    return pdfs


def pdf_text(pdf: Path) -> str:
    """The PDF's text in reading order."""
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout


def page_count(pdf: Path) -> int:
    """Pages in the PDF (from pdftoppm's output, one PNG per page at a low resolution)."""
    return len(render_pages(pdf, dpi=20))


def render_pages(pdf: Path, dpi: int = 50, first: int | None = None, last: int | None = None) -> list[Path]:
    """Each page (or pages first..last) as a PNG file, in order."""
    prefix = pdf.parent / f"{pdf.stem}-{dpi}-{first or 'a'}-{last or 'z'}"
    args = ["pdftoppm", "-r", str(dpi), "-png"]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    subprocess.run([*args, str(pdf), str(prefix)], check=True, timeout=120)
    pages = sorted(prefix.parent.glob(f"{prefix.name}-*.png"), key=lambda p: int(re.findall(r"(\d+)\.png$", p.name)[0]))
    return pages


def docx_images(docx: Path) -> list[str]:
    """The images inside the .docx (word/media/…)."""
    with zipfile.ZipFile(docx) as archive:
        return [name for name in archive.namelist() if name.startswith("word/media/")]


def docx_xml(docx: Path, part: str = "word/document.xml") -> str:
    """One part of the .docx as text."""
    with zipfile.ZipFile(docx) as archive:
        return archive.read(part).decode("utf-8")


def coloured_share(png: Path) -> float:
    """Share of the page's pixels that are neither white nor grey: ink of the charts' colours."""
    rgb = page_pixels(png).astype(int)
    return float(((rgb.max(axis=2) - rgb.min(axis=2)) > 60).mean())


def page_pixels(png: Path) -> np.ndarray:
    """The page as an RGB array (rows, columns, 3)."""
    from PIL import Image

    with Image.open(png) as image:
        return np.asarray(image.convert("RGB"))
