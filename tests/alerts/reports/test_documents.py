"""Every report over the demo's data, opened by LibreOffice: converted to PDF without trouble, its
pages counted and rendered, the Chinese header read back, the charts present; an office's edited
template changes the output with no code change.

Set YUQING_UPDATE_SCREENSHOT=1 to rewrite docs/report-daily-example.png and
docs/report-incident-example.png (the first pages of the 日报 and the 专报).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Pt, RGBColor
from sqlalchemy import select

from tests.alerts.reports.demo_db import Demo
from tests.alerts.reports.office import (
    coloured_share,
    docx_images,
    docx_xml,
    need_tools,
    page_count,
    page_pixels,
    pdf_text,
    render_pages,
    to_pdf,
    to_pdfs,
)
from yuqing.alerts.digest.charts import render_charts
from yuqing.alerts.digest.data import collect_digest
from yuqing.alerts.models import Incident
from yuqing.alerts.reports.jobs import make_incident_report, make_period_report, write_daily_docx
from yuqing.alerts.reports.render import TEMPLATES
from yuqing.config.database import utcnow
from yuqing.config.settings import Settings

DOCS = Path(__file__).resolve().parents[3] / "docs"
TITLES = {"daily": "舆情日报", "week": "舆情周报", "month": "舆情月报", "incident": "舆情专报"}
CHARTS = {"daily": 4, "week": 3, "month": 3, "incident": 1}
PAGES = {"daily": (2, 5), "week": (2, 5), "month": (2, 5), "incident": (1, 4)}
MARKS = {"daily": "舆情日〔", "week": "舆情周〔", "month": "舆情月〔", "incident": "舆情专〔"}


def write_daily(demo: Demo, settings: Settings, out: Path) -> Path:
    """The 日报 of the demo's day, as the digest job writes it."""
    with demo.sessions() as session:
        data = collect_digest(session, settings, demo.day, now=utcnow())
    return write_daily_docx(settings, data, render_charts(data), out)


@pytest.fixture(scope="module")
def documents(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """kind → (.docx, .pdf) of every report over the demo's data, converted in one soffice run."""
    need_tools()
    out = tmp_path_factory.mktemp("reports")
    with demo.sessions() as session:
        critical = session.scalars(select(Incident.id).where(Incident.tier == "critical")).one()
    now, settings, sessions = utcnow(), demo.settings, demo.sessions
    docx = {
        "daily": write_daily(demo, settings, out),
        "week": make_period_report(settings, sessions, now=now, period="week", end=demo.day, out_dir=out),
        "month": make_period_report(settings, sessions, now=now, period="month", end=demo.day, out_dir=out),
        "incident": make_incident_report(settings, sessions, now=now, incident_id=critical, out_dir=out),
    }
    pdfs = to_pdfs(list(docx.values()), tmp_path_factory.mktemp("profile"))
    return {kind: (path, pdf) for (kind, path), pdf in zip(docx.items(), pdfs, strict=True)}


@pytest.mark.parametrize("kind", list(TITLES))
def test_each_report_opens_with_its_header_and_charts(documents: dict[str, tuple[Path, Path]], kind: str) -> None:
    docx, pdf = documents[kind]
    low, high = PAGES[kind]
    assert low <= page_count(pdf) <= high
    text = pdf_text(pdf)
    for expected in ("内部资料", TITLES[kind], "舆情监测中心", MARKS[kind], "年"):
        assert expected in text, f"{expected!r} not in the {kind} report's PDF"
    assert len(docx_images(docx)) == CHARTS[kind]
    pages = render_pages(pdf, dpi=40)
    assert max(coloured_share(page) for page in pages) > 0.01, "no page shows a chart's colours"
    if os.environ.get("YUQING_UPDATE_SCREENSHOT") and kind in ("daily", "incident"):
        [first] = render_pages(pdf, dpi=80, first=1, last=1)
        shutil.copy(first, DOCS / f"report-{kind}-example.png")


def test_the_header_is_red_and_the_page_not_blank(documents: dict[str, tuple[Path, Path]]) -> None:
    _docx, pdf = documents["daily"]
    [first] = render_pages(pdf, dpi=40, first=1, last=1)
    rgb = page_pixels(first).astype(int)
    top = rgb[: rgb.shape[0] // 4]
    red = ((top[..., 0] > 180) & (top[..., 1] < 80) & (top[..., 2] < 80)).sum()
    assert red > 200, "the red title and rule are missing"
    assert (rgb.min(axis=2) < 128).mean() > 0.01, "the page is blank"


def test_an_edited_template_changes_the_output_without_code(demo: Demo, tmp_path: Path) -> None:
    need_tools()
    own = tmp_path / "templates"
    own.mkdir()
    template = Document(str(TEMPLATES / "daily.docx"))
    [title] = [p for p in template.paragraphs if p.text == "舆情日报"]
    title.runs[0].text = "网络舆情每日快报"
    style = template.styles["Report Title"]
    style.font.color.rgb, style.font.size = RGBColor(0x1F, 0x3F, 0xAA), Pt(24)
    template.styles["Heading 1"].font.size = Pt(18)
    template.save(str(own / "daily.docx"))
    reports = demo.settings.reports.model_copy(update={"templates_dir": str(own), "unit": "江城市交通运输局"})
    settings = demo.settings.model_copy(update={"reports": reports})
    docx = write_daily(demo, settings, tmp_path / "out")
    text = pdf_text(to_pdf(docx, tmp_path / "profile"))
    assert "网络舆情每日快报" in text and "舆情日报" not in text and "江城市交通运输局" in text
    styles = docx_xml(docx, "word/styles.xml")
    assert 'w:val="1F3FAA"' in styles and 'w:val="48"' in styles and 'w:val="36"' in styles
    shipped = write_daily(demo, demo.settings, tmp_path / "shipped")
    assert "1F3FAA" not in docx_xml(shipped, "word/styles.xml")
