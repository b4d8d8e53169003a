"""Web text into Word: cleaned, capped, inert (template syntax stays text), links only http(s)."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path

import pytest
from docx import Document
from jinja2.exceptions import SecurityError
from lxml import etree

from tests.alerts.digest.samples import sample_digest
from tests.alerts.reports.office import need_tools, pdf_text, to_pdf
from yuqing.alerts.digest.charts import render_charts
from yuqing.alerts.reports.render import render_daily
from yuqing.alerts.reports.word import TITLE_LIMIT, clean_text, render_document
from yuqing.config.settings import ReportSettings

JINJA = "{{ 7*7 }} 网传{% if true %}局长{% endif %}酒驾 {%p endif %} {{r x }}"
CONTROL = "控制\x00字符\x07\x0b\x1b\x7f\ufffe在此"
LONG = "长" * 10_000


def test_clean_text_drops_what_xml_forbids_and_keeps_the_rest_as_it_is() -> None:
    assert clean_text(CONTROL) == "控制字符在此"
    assert clean_text(JINJA) == JINJA
    assert clean_text("  多行\n\t标题  ") == "多行 标题"
    assert clean_text("第一行\r\n\n\n\n第二行  行", lines=True) == "第一行\n\n第二行 行"
    assert clean_text(None) == ""


def test_clean_text_caps_absurd_lengths() -> None:
    capped = clean_text(LONG)
    assert len(capped) == TITLE_LIMIT and capped.endswith("…")


def _hostile_docx() -> bytes:
    data = sample_digest()
    titles = [JINJA, CONTROL, LONG]
    attention = [dataclasses.replace(data.attention[0], title=t, id=100 + n) for n, t in enumerate(titles)]
    items = [dataclasses.replace(data.top_items[n % len(data.top_items)], title=t) for n, t in enumerate(titles)]
    hostile = dataclasses.replace(data, attention=attention, top_items=items, new_stories=attention)
    return render_daily(hostile, render_charts(hostile), ReportSettings(unit="单位{{ unit }}\x01"))


def _texts(document: bytes) -> list[str]:
    doc = Document(io.BytesIO(document))
    texts = [p.text for p in doc.paragraphs]
    texts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return texts


def test_a_hostile_title_is_text_not_template_not_field() -> None:
    document = _hostile_docx()
    with zipfile.ZipFile(io.BytesIO(document)) as archive:
        xml = archive.read("word/document.xml")
        rels = archive.read("word/_rels/document.xml.rels").decode("utf-8")
    etree.fromstring(xml)  # well-formed XML 1.0
    assert b"fldSimple" not in xml and b"instrText" not in xml and b"fldChar" not in xml
    texts = _texts(document)
    assert JINJA in texts, "the braces are the title's own characters, never evaluated"
    assert "控制字符在此" in texts
    assert any(t.startswith("长" * 50) and len(t) == TITLE_LIMIT for t in texts)
    assert "单位{{ unit }}" in "".join(texts)
    targets = [part.split('"')[0] for part in rels.split('Target="')[1:]]
    links = [t for t in targets if "://" in t or ":" in t.split("/")[0]]
    assert links and all(t.startswith(("http://", "https://")) for t in links), links


def test_a_hostile_title_converts_to_pdf(tmp_path: Path) -> None:
    need_tools()
    path = tmp_path / "hostile.docx"
    path.write_bytes(_hostile_docx())
    text = pdf_text(to_pdf(path, tmp_path / "profile"))
    assert "{{ 7*7 }}" in text and "舆情日报" in text


def test_a_template_cannot_reach_into_python(tmp_path: Path) -> None:
    template = Document()
    template.add_paragraph("{{ unit.__class__.__mro__ }}")
    path = tmp_path / "evil.docx"
    template.save(str(path))
    with pytest.raises(SecurityError):
        render_document(path, lambda _w: {"unit": "单位"})
