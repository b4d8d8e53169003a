"""The article extractors bench/extraction.py compares: ours and three libraries (the `bench` extra).

Each is `(html, url) -> (title, body, date)`; a library that is not installed is skipped.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, datetime

Result = tuple[str | None, str, date | datetime | str | None]  # title, body, date
Extractor = Callable[[str, str | None], Result]  # (html, url) -> result


def run_ours(html: str, url: str | None) -> Result:
    """collector.article."""
    from yuqing.collector.article import extract_article

    article = extract_article(html, url)
    return article.title, article.body, article.published_at


def make_readability() -> Extractor:
    """readability-lxml: summary() body, short_title(), no date."""
    from lxml import html as lxml_html
    from readability import Document

    def run(html: str, url: str | None) -> Result:
        doc = Document(html, url=url)
        summary = doc.summary(html_partial=True)
        body = lxml_html.fromstring(summary).text_content() if summary.strip() else ""
        return doc.short_title(), body, None

    return run


def make_trafilatura() -> Extractor:
    """trafilatura.bare_extraction with include_tables=False."""
    import trafilatura

    def run(html: str, url: str | None) -> Result:
        doc = trafilatura.bare_extraction(html, url=url, include_tables=False, with_metadata=True)
        if doc is None:
            return None, "", None
        return doc.title, doc.text or "", doc.date

    return run


def make_gne() -> Extractor:
    """GNE GeneralNewsExtractor."""
    from gne import GeneralNewsExtractor
    from gne.exceptions import NoContentException

    extractor = GeneralNewsExtractor()

    def run(html: str, url: str | None) -> Result:  # GNE takes no URL
        try:
            out = extractor.extract(html)
        except NoContentException:
            return None, "", None
        return out.get("title"), out.get("content") or "", out.get("publish_time")

    return run


def build_extractors() -> dict[str, Extractor]:
    """Every available extractor; a missing library is reported and skipped."""
    extractors: dict[str, Extractor] = {"yuqing": run_ours}
    for name, factory in (
        ("readability-lxml", make_readability),
        ("trafilatura (no tables)", make_trafilatura),
        ("GNE", make_gne),
    ):
        try:
            extractors[name] = factory()
        except ImportError as exc:
            print(f"skipping {name}: {exc}", file=sys.stderr)
    return extractors
