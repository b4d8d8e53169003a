"""Benchmark: article extraction on the shared Chinese dataset → body/title/date/speed.

Compares collector.article with readability-lxml, trafilatura and GNE in one run.
Usage: python bench/extraction.py [--data DIR] [--json] [--pages] [--with-url] [--only NAME ...]
Speed is pages per CPU-second of this process pinned to one core, so other load on the
machine does not distort it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script from anywhere; collector is imported lazily

# CleanEval wrapper line the dataset puts before 49 pages; it is not part of the page.
CLEANEVAL_RE = re.compile(r"\A\s*<text\b[^>]*>\s*", re.IGNORECASE)
CLEANEVAL_URL_RE = re.compile(r'\A\s*<text\b[^>]*?\bid="(https?://[^"]+)"', re.IGNORECASE)
HTML_TAG_RE = re.compile(r"<html\b", re.IGNORECASE)
LABEL_DATE_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
LOOSE_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")

from bench.extractors import Extractor, build_extractors  # noqa: E402 - after the path


@dataclass
class Page:
    """One benchmark page with its labels."""

    page_id: str
    html: str
    url: str | None  # from the CleanEval line, where there is one
    body: str
    titles: list[str] | None  # None = EXCLUDE or no label
    day: date | None  # None = label is not a full date


@dataclass
class Score:
    """Per-extractor results."""

    name: str
    body: dict[str, float] = field(default_factory=dict)
    title: dict[str, bool] = field(default_factory=dict)
    day: dict[str, bool] = field(default_factory=dict)
    seconds: float = 0.0
    errors: int = 0


def default_data_dir() -> Path:
    """Return the dataset folder: $YUQING_SHARED_DATA/extraction or ../shared/data."""
    shared = os.environ.get("YUQING_SHARED_DATA")
    if shared:
        return Path(shared) / "extraction"
    return REPO.parent / "shared" / "data" / "extraction"


def parse_label_date(text: str) -> date | None:
    """Return the Y-M-D of a label, or None unless it holds a full date."""
    match = LABEL_DATE_RE.search(text)
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def load_titles(path: Path) -> dict[str, list[str] | None]:
    """Read titles.tsv: short id → alternatives, None for EXCLUDE."""
    titles: dict[str, list[str] | None] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, label = line.partition("\t")
        label = label.strip()
        titles[key] = None if label == "EXCLUDE" else [t.strip() for t in label.split("||")]
    return titles


def read_label(data: Path, kind: str, page_id: str) -> str:
    """One ground-truth file: cleaned/, date/ or author/."""
    return (data / kind / f"{page_id}.txt").read_text("utf-8", "replace")


def load_pages(data: Path) -> list[Page]:
    """Decode every page and read its labels."""
    from yuqing.collector.encoding import decode_html

    titles = load_titles(data / "titles.tsv")
    pages = []
    for path in sorted((data / "original").glob("*.html")):
        page_id = path.stem
        html, _ = decode_html(path.read_bytes())
        url = match.group(1) if (match := CLEANEVAL_URL_RE.match(html)) else None
        html = CLEANEVAL_RE.sub("", html, count=1)
        if not HTML_TAG_RE.search(html):
            html = f"<html><body>{html}</body></html>"  # GNE refuses bare fragments
        short = next((k for k in titles if page_id.startswith(k)), None)
        pages.append(
            Page(
                page_id=page_id,
                html=html,
                url=url,
                body=read_label(data, "cleaned", page_id),
                titles=titles.get(short) if short else None,
                day=parse_label_date(read_label(data, "date", page_id)),
            )
        )
    return pages


def squash(text: str) -> str:
    """NFKC-normalise and drop all whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def ngram_f1(predicted: str, truth: str, n: int = 4) -> float:
    """Character n-gram F1 (multiset) between two texts after squashing."""
    a, b = squash(predicted), squash(truth)
    if not a or not b:
        return float(a == b)
    grams_a = Counter(a[i : i + n] for i in range(max(1, len(a) - n + 1)))
    grams_b = Counter(b[i : i + n] for i in range(max(1, len(b) - n + 1)))
    overlap = sum((grams_a & grams_b).values())
    if not overlap:
        return 0.0
    precision = overlap / sum(grams_a.values())
    recall = overlap / sum(grams_b.values())
    return 2 * precision * recall / (precision + recall)


def title_matches(predicted: str | None, labels: list[str]) -> bool:
    """Normalised exact match of a title against any label alternative."""
    if not predicted:
        return False
    return squash(predicted).casefold() in {squash(label).casefold() for label in labels}


def as_day(value: date | datetime | str | None) -> date | None:
    """Reduce an extractor's date output to a date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and (match := LOOSE_DATE_RE.search(value)):
        try:
            return date(*(int(g) for g in match.groups()))
        except ValueError:
            return None
    return None


def score(name: str, run: Extractor, pages: list[Page], with_url: bool) -> Score:
    """Run one extractor over every page, timing extraction only (CPU time)."""
    result = Score(name)
    for page in pages:
        start = time.process_time()
        try:
            title, body, when = run(page.html, page.url if with_url else None)
        except (ValueError, TypeError, AttributeError, LookupError, RuntimeError):
            result.errors += 1  # a crash on one page counts as an empty result
            title, body, when = None, "", None
        result.seconds += time.process_time() - start
        result.body[page.page_id] = ngram_f1(body, page.body)
        if page.titles is not None:
            result.title[page.page_id] = title_matches(title, page.titles)
        if page.day is not None:
            result.day[page.page_id] = as_day(when) == page.day
    return result


def summarize(result: Score, with_date: bool) -> dict[str, float | int | str | None]:
    """Aggregate figures for one extractor."""
    f1 = list(result.body.values())
    return {
        "extractor": result.name,
        "body_f1_mean": round(statistics.fmean(f1), 3),
        "body_f1_median": round(statistics.median(f1), 3),
        "body_f1_ge_0.9": round(sum(v >= 0.9 for v in f1) / len(f1), 3),
        "title_exact": round(statistics.fmean(result.title.values()), 3),
        "date": round(statistics.fmean(result.day.values()), 3) if with_date else None,
        "pages_per_s": round(len(f1) / result.seconds, 1),
        "errors": result.errors,
    }


def print_table(rows: list[dict[str, float | int | str | None]], pages: int) -> None:
    """Print the summary with rich if installed, else as plain text."""
    headers = ["extractor", "body F1 mean", "median", "F1≥0.9", "title", "date", "pages/s"]
    cells = [
        [
            str(r["extractor"]),
            f"{r['body_f1_mean']:.3f}",
            f"{r['body_f1_median']:.3f}",
            f"{r['body_f1_ge_0.9']:.0%}",
            f"{r['title_exact']:.2f}",
            "–" if r["date"] is None else f"{r['date']:.2f}",
            f"{r['pages_per_s']:.0f}",
        ]
        for r in rows
    ]
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        print(" | ".join(headers))
        for row in cells:
            print(" | ".join(row))
        return
    table = Table(title=f"Article extraction, {pages} pages, one core")
    for i, header in enumerate(headers):
        table.add_column(header, justify="left" if i == 0 else "right")
    for row in cells:
        table.add_row(*row)
    Console().print(table)


def print_pages(results: list[Score], pages: list[Page]) -> None:
    """Per-page body F1 (and title/date hits) for every extractor."""
    print("page      " + " ".join(f"{r.name[:12]:>14}" for r in results))
    for page in pages:
        cols = []
        for r in results:
            t = {True: "T", False: "t", None: " "}[r.title.get(page.page_id)]
            d = {True: "D", False: "d", None: " "}[r.day.get(page.page_id)]
            cols.append(f"{r.body[page.page_id]:>10.3f} {t}{d}")
        print(f"{page.page_id[:8]}  " + " ".join(f"{c:>14}" for c in cols))


def pin_one_core() -> None:
    """Measure speed on one core where the OS lets us pin the process."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=default_data_dir())
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--pages", action="store_true", help="also print per-page scores")
    parser.add_argument("--only", nargs="+", help="run only these extractors")
    parser.add_argument(
        "--with-url", action="store_true", help="pass the page URL (from the CleanEval line) to extractors"
    )
    args = parser.parse_args(argv)
    if not (args.data / "original").is_dir():
        parser.error(f"no dataset at {args.data} (set --data or YUQING_SHARED_DATA)")
    pin_one_core()
    pages = load_pages(args.data)
    extractors = build_extractors()
    if args.only:
        extractors = {k: v for k, v in extractors.items() if k in args.only}
    results = [score(name, run, pages, args.with_url) for name, run in extractors.items()]
    rows = [summarize(r, with_date=r.name != "readability-lxml") for r in results]
    if args.json:
        report = {"pages": len(pages), "with_url": args.with_url, "results": rows}
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_table(rows, len(pages))
    if args.pages:
        print_pages(results, pages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
