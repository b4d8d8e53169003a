"""Build the default Word templates (daily.docx, period.docx, incident.docx) with python-docx.

Run once after changing the layout: `.venv/bin/python -m yuqing.alerts.reports.build_templates`;
the .docx files it writes into `alerts/reports/templates/` are committed and shipped. The office
edits copies of them in Word (`layouts.py` names the fields each one receives).
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from yuqing.alerts.reports.layouts import LAYOUTS, Block

TEMPLATES = Path(__file__).parent / "templates"
RED = RGBColor(0xD0, 0x00, 0x00)
BODY_FONT, HEADING_FONT, TITLE_FONT = "FangSong", "SimHei", "SimSun"


def set_fonts(style_or_run: object, latin: str, east_asian: str) -> None:
    """Set the Latin and the East Asian font (Word keeps them apart) on a style or run."""
    font = style_or_run.font  # type: ignore[attr-defined]
    font.name = latin
    r_pr = style_or_run.element.get_or_add_rPr()  # type: ignore[attr-defined]
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = OxmlElement("w:rFonts")
        r_pr.append(r_fonts)
    r_fonts.set(qn("w:eastAsia"), east_asian)


def define_styles(doc: DocumentType) -> None:
    """The office's styles: body text, two heading levels, the red title, table text, the mark."""
    styles = doc.styles
    normal = styles["Normal"]
    set_fonts(normal, "Times New Roman", BODY_FONT)
    normal.font.size = Pt(12)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.25
    for name, size, font in (("Heading 1", 15, HEADING_FONT), ("Heading 2", 13, "KaiTi")):
        style = styles[name]
        set_fonts(style, "Arial", font)
        style.font.size, style.font.bold, style.font.color.rgb = Pt(size), name == "Heading 2", RGBColor(0, 0, 0)
        style.paragraph_format.space_before, style.paragraph_format.space_after = Pt(10), Pt(4)
    title = styles.add_style("Report Title", WD_STYLE_TYPE.PARAGRAPH)
    title.base_style = normal
    set_fonts(title, "Times New Roman", TITLE_FONT)
    title.font.size, title.font.bold, title.font.color.rgb = Pt(30), True, RED
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before, title.paragraph_format.space_after = Pt(6), Pt(6)
    cell = styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = normal
    cell.font.size = Pt(9.5)
    cell.paragraph_format.space_after, cell.paragraph_format.line_spacing = Pt(0), 1.0
    mark = styles.add_style("Mark", WD_STYLE_TYPE.PARAGRAPH)
    mark.base_style = normal
    set_fonts(mark, "Arial", HEADING_FONT)
    mark.font.size = Pt(12)


def red_rule(paragraph: object) -> None:
    """A red line under the paragraph (the 红头's rule), as a bottom border."""
    p_pr = paragraph._p.get_or_add_pPr()  # type: ignore[attr-defined]
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "18"), ("space", "4"), ("color", "D00000")):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    p_pr.append(borders)


def header_block(doc: DocumentType, title: str) -> None:
    """内部资料 mark, red title, document number, unit and date over a red rule."""
    doc.add_paragraph("{{ mark }}", style="Mark")
    doc.add_paragraph(title, style="Report Title")
    number = doc.add_paragraph("{{ doc_number }}")
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    line = doc.add_paragraph("{{ unit }}\t{{ date_text }}")
    line.paragraph_format.tab_stops.add_tab_stop(Mm(160), WD_TAB_ALIGNMENT.RIGHT)
    red_rule(line)


def add_table(doc: DocumentType, loop: str, columns: list[tuple[str, str, float]]) -> None:
    """A grid table: a header row, then one row per item of `loop` ("s in stories")."""
    table = doc.add_table(rows=4, cols=len(columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # the widths below, not Word's or LibreOffice's guess
    variable = loop.split(" in ")[0].strip()
    for i, (heading, field, width) in enumerate(columns):
        table.columns[i].width = Mm(width)
        cells = [row.cells[i] for row in table.rows]
        for cell in cells:
            cell.width = Mm(width)
        texts = [heading, f"{{%tr for {loop} %}}" if i == 0 else "", f"{{{{ {variable}.{field} }}}}",
                 "{%tr endfor %}" if i == 0 else ""]
        if field.startswith("r "):
            texts[2] = f"{{{{r {variable}.{field[2:]} }}}}"
        for cell, text in zip(cells, texts, strict=True):
            paragraph = cell.paragraphs[0]
            paragraph.style = doc.styles["Table Text"]
            run = paragraph.add_run(text)
            run.bold = cell is cells[0]
    shade_header(table.rows[0])
    repeat_header(table.rows[0])


def shade_header(row: object) -> None:
    """Grey the header row."""
    for cell in row.cells:  # type: ignore[attr-defined]
        shading = OxmlElement("w:shd")
        for key, value in (("val", "clear"), ("color", "auto"), ("fill", "E7E9EC")):
            shading.set(qn(f"w:{key}"), value)
        cell._tc.get_or_add_tcPr().append(shading)


def repeat_header(row: object) -> None:
    """Repeat the header row on every page the table runs over."""
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)  # type: ignore[attr-defined]


def build(title: str, blocks: list[Block]) -> DocumentType:
    """One template: the header block, then each block (heading, text, table, chart, blank lines)."""
    doc = Document()
    doc.core_properties.author = doc.core_properties.last_modified_by = "yuqing"
    doc.core_properties.title = title if "{" not in title else "舆情报告"
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(25), Mm(22)
    section.left_margin = section.right_margin = Mm(25)
    define_styles(doc)
    header_block(doc, title)
    for kind, *args in blocks:
        if kind in ("h1", "h2"):
            doc.add_paragraph(args[0], style="Heading 1" if kind == "h1" else "Heading 2")
        elif kind == "p":
            doc.add_paragraph(args[0])
        elif kind == "table":
            add_table(doc, args[0], args[1])
        elif kind == "image":
            doc.add_paragraph(f"{{{{ {args[0]} }}}}").alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer = section.footer.paragraphs[0]
    footer.text = "{{ unit }} · {{ mark }} · 生成于 {{ generated_text }}"
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.style = doc.styles["Table Text"]
    return doc


def main(out: Path = TEMPLATES) -> list[Path]:
    """Write every template into `out`; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (title, blocks) in LAYOUTS.items():
        path = out / f"{name}.docx"
        build(title, blocks).save(str(path))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATES):
        print(path)
