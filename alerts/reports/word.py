"""Word documents from templates: a .docx template and a context in, .docx bytes out (docxtpl).

Web text goes in as text only: characters XML 1.0 forbids are dropped, absurd lengths are cut,
jinja2 autoescapes every value (a title's `{{ 7*7 }}` stays those characters: values are data,
never template source), and the only hyperlinks are the http(s) URLs `link` is given.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage, RichText
from jinja2.sandbox import SandboxedEnvironment

from yuqing.alerts.escaping import safe_url

# XML 1.0 allows tab, newline and carriage return below U+0020; not U+FFFE/U+FFFF or lone surrogates.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff\ud800-\udfff]")
TITLE_LIMIT = 300
TEXT_LIMIT = 4000
LINK_COLOUR = "1F4E9E"
CHART_WIDTH_MM = 160


def clean_text(value: object, limit: int = TITLE_LIMIT, *, lines: bool = False) -> str:
    """Web text safe for a Word run: no XML-forbidden characters, one line unless `lines`, at most
    `limit` characters (then "…"); None → ""."""
    if value is None:
        return ""
    text = _NOT_XML.sub("", str(value))
    if lines:
        text = "\n".join(" ".join(line.split()) for line in text.replace("\r", "\n").split("\n"))
        text = re.sub(r"\n{3,}", "\n\n", text).strip()
    else:
        text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Writer:
    """What a context builder may put into a document: text, links and chart images."""

    def __init__(self, template: DocxTemplate) -> None:
        self.template = template

    def rich(self, value: object, limit: int = TITLE_LIMIT) -> RichText:
        """Plain text as rich text, for a template field written `{{r … }}`."""
        return RichText(clean_text(value, limit) or "—")

    def link(self, title: object, url: str | None, limit: int = TITLE_LIMIT) -> RichText:
        """The title linked to `url` when it is http(s), the title alone otherwise."""
        text = clean_text(title, limit) or "(无标题)"
        safe = safe_url(url)
        if not safe:
            return RichText(text)
        return RichText(text, url_id=self.template.build_url_id(safe), color=LINK_COLOUR, underline=True)

    def image(self, png: bytes, width_mm: float = CHART_WIDTH_MM) -> InlineImage:
        """A chart (PNG bytes) as an inline image `width_mm` wide."""
        return InlineImage(self.template, io.BytesIO(png), width=Mm(width_mm))


def render_document(template: Path, build: Callable[[Writer], dict[str, Any]]) -> bytes:
    """Render `template` with the context `build(writer)` returns; the .docx as bytes. The template
    is the office's file, so it runs sandboxed: fields and loops, no reaching into Python objects."""
    document = DocxTemplate(str(template))
    context = build(Writer(document))
    document.render(context, jinja_env=SandboxedEnvironment(autoescape=True), autoescape=True)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
