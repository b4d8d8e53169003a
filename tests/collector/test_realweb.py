"""Real saved pages (tests/fixtures/realweb/, sources in SOURCES.md): every reader on every page, by kind.

Each page is decoded from its bytes and read as the collector reads it (bench/realweb.py holds the
readers and the selectors an operator would configure); each field is compared with the page's
`.expected.json`, which people wrote by reading the page.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from bench.realweb import DATA, MISSING, pages_dir, read_page, squash
from yuqing.collector.encoding import decode_html

EXPECTED = sorted(DATA.glob("*.expected.json"))
PAGES = pages_dir()
needs_pages = pytest.mark.skipif(PAGES is None, reason=MISSING)
# Misses we know of, with the reason; strict, so a fix shows up as an unexpected pass.
KNOWN_MISSES = {
    ("39net-food-labazhou", "body_start"): "the label starts after the 核心提示 summary box, which we keep",
    ("gbk-sohu-britney", "body_start"): "the photo caption sits in a table cell above the text, not in its container",
}


def _cases() -> list[object]:
    cases = []
    for path in EXPECTED:
        name = path.name.removesuffix(".expected.json")
        expected = json.loads(path.read_text(encoding="utf-8"))
        for field in _fields(expected["kind"]):
            marks = []
            if (reason := KNOWN_MISSES.get((name, field))) is not None:
                marks.append(pytest.mark.xfail(reason=reason, strict=True))
            cases.append(pytest.param(name, field, id=f"{name}:{field}", marks=marks))
    return cases


def _fields(kind: str) -> tuple[str, ...]:
    if kind == "article":
        return ("title", "date", "body_start")
    if kind == "discuz_thread":
        return ("title", "date", "body_start", "counts")
    return ("list_items",)


@pytest.fixture(scope="module")
def outcomes() -> dict[str, object]:
    """Every page read once."""
    assert PAGES is not None
    found = {}
    for path in EXPECTED:
        name = path.name.removesuffix(".expected.json")
        found[name] = read_page(PAGES / f"{name}.html", json.loads(path.read_text(encoding="utf-8")))
    return found


@needs_pages
@pytest.mark.parametrize(("name", "field"), _cases())
def test_the_collector_reads_the_real_page_as_a_person_does(outcomes, name: str, field: str) -> None:
    outcome = outcomes[name]
    assert outcome.error is None, outcome.error
    assert outcome.right[field] is True, f"{field}: got {outcome.got.get(field)!r}"


def test_the_corpus_is_what_the_issue_asks_for() -> None:
    pages = [json.loads(p.read_text(encoding="utf-8")) for p in EXPECTED]
    assert len(pages) >= 30 and len({p["site"] for p in pages}) >= 15
    assert sum(p["charset"] == "gbk" for p in pages) >= 5
    assert sum(p["charset"] == "utf-8" and p["declared_charset"] in ("gb2312", "gbk") for p in pages) >= 5
    assert len({p["site"] for p in pages if p["kind"] == "discuz_thread"}) >= 3


@needs_pages
@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.name.removesuffix(".expected.json"))
def test_every_real_page_decodes_to_its_true_charset(path: Path) -> None:
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert PAGES is not None
    body = (PAGES / path.name.replace(".expected.json", ".html")).read_bytes()
    text, codec = decode_html(body, "text/html")
    assert codec == {"utf-8": "utf-8", "gbk": "gb18030"}[expected["charset"]]
    assert squash(expected["title"])[:8] in squash(html.unescape(text))  # and no mojibake where it matters
