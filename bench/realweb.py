"""Benchmark: the collector's readers on real saved pages → share of titles, dates and body starts right.

Every page named in tests/fixtures/realweb/ (its `.expected.json`, what a person reads on it) is
decoded as the fetcher's bytes would be (no charset header)
and read by the reader its kind calls for: articles by `extract_article`, Discuz! threads by
`parse_thread_page`, Discuz! lists by `parse_thread_list`, other lists by `parse_listing` with the
selectors an operator would configure (below). What they return is compared with `.expected.json`.
The pages themselves are fetched material and are not committed (SOURCES.md names the repository,
commit and path of each): they are read from $YUQING_REALWEB_DIR, tests/fixtures/realweb/ or
../shared/data/realweb/ beside the repository, the first that holds them.
Usage: python bench/realweb.py [--pages-dir DIR] [--pages] [--json]
Run it with another checkout's interpreter to score that code (it imports the installed `yuqing`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "fixtures" / "realweb"  # the expected files and SOURCES.md (committed)
MISSING = ("the real pages are fetched material and not committed (tests/fixtures/realweb/SOURCES.md names "
           "each source): put them in ../shared/data/realweb/ or set YUQING_REALWEB_DIR")
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=SHANGHAI)  # later than every page; relative times resolve from here
# `kind = "html"` sources for the list pages: (item, title, link) as an operator would write them.
LIST_SELECTORS = {
    "list-163-rolling": ("#instantPanel li", "a:last-of-type", "a:last-of-type@href"),
    "list-163-world": (".data_row", "h3 a", "h3 a@href"),
    "list-rtfund-xxpl": ("#expertList1 li", "a", "a@href"),
    "tieba-list-reyi": ("li.j_thread_list", "a.j_th_tit", "a.j_th_tit@href"),
}
FIELDS = ("title", "date", "body_start", "counts", "list_items")


@dataclass
class Outcome:
    """What one page's reader got right (None: the field does not apply to the page)."""

    name: str
    kind: str
    right: dict[str, bool | None] = field(default_factory=dict)
    got: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def squash(text: str | None) -> str:
    """NFKC, without whitespace: how titles and body starts are compared."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def same_time(found: datetime | None, expected: str | None) -> bool | None:
    """True when `found` shows the expected "YYYY-MM-DD[ HH:MM]" (in Beijing time when it has a zone)."""
    if expected is None:
        return None
    if found is None:
        return False
    if found.tzinfo is not None:
        found = found.astimezone(SHANGHAI)
    shown = found.strftime("%Y-%m-%d %H:%M" if len(expected) > 10 else "%Y-%m-%d")
    return shown == expected


def page_url(expected: dict[str, Any]) -> str:
    """The address the page was fetched from (a stand-in on its host when it was not recorded)."""
    return expected.get("url") or f"http://{expected['site']}/"


def read_page(path: Path, expected: dict[str, Any]) -> Outcome:
    """Run the collector's reader for the page's kind and score what it returns."""
    from yuqing.collector.markup import decode_page

    outcome = Outcome(path.stem, expected["kind"])
    text = decode_page(path.read_bytes(), "text/html")
    try:
        if expected["kind"] == "article":
            _score_article(outcome, text, expected)
        elif expected["kind"] == "discuz_thread":
            _score_thread(outcome, text, expected)
        else:
            _score_list(outcome, text, expected)
    except Exception as exc:  # a reader that fails on a page scores every field of it wrong
        outcome.error = f"{type(exc).__name__}: {exc}"
        outcome.right = {k: False for k in _fields_of(expected)}
    return outcome


def _fields_of(expected: dict[str, Any]) -> list[str]:
    if expected["kind"] == "article":
        return ["title", "date", "body_start"]
    if expected["kind"] == "discuz_thread":
        return ["title", "date", "body_start", "counts"]
    return ["list_items"]


def _score_article(outcome: Outcome, text: str, expected: dict[str, Any]) -> None:
    from yuqing.collector.article import extract_article

    article = extract_article(text, page_url(expected))
    _score_text(outcome, article.title, article.published_at, article.body, expected)


def _score_thread(outcome: Outcome, text: str, expected: dict[str, Any]) -> None:
    from yuqing.collector.forums.discuz import parse_thread_page

    post = parse_thread_page(text, url=page_url(expected), site=expected["site"], now=NOW, tz=SHANGHAI)
    _score_text(outcome, post.title, post.published_at, post.body, expected)
    outcome.got["counts"] = (post.views, post.replies)
    outcome.right["counts"] = (post.views, post.replies) == (expected["views"], expected["replies"])


def _score_text(outcome: Outcome, title: str | None, published: datetime | None, body: str,
                expected: dict[str, Any]) -> None:
    outcome.got.update(title=title, date=published.isoformat() if published else None, body_start=body[:40])
    outcome.right["title"] = squash(title) == squash(expected["title"])
    outcome.right["date"] = same_time(published, expected["published"])
    outcome.right["body_start"] = squash(body).startswith(squash(expected["body_start"]))


def _score_list(outcome: Outcome, text: str, expected: dict[str, Any]) -> None:
    url = page_url(expected)
    if expected["kind"] == "discuz_list":
        from yuqing.collector.forums.discuz import parse_thread_list

        items = parse_thread_list(text, url=url, site=expected["site"], now=NOW, tz=SHANGHAI).items
    else:
        from yuqing.collector.listing import parse_listing
        from yuqing.config.sources import Selectors

        item, title, link = LIST_SELECTORS[outcome.name]
        selectors = Selectors(item=item, title=title, link=link)
        items = parse_listing(text, selectors, url=url, site=expected["site"], now=NOW, tz=SHANGHAI).items
    got = [(squash(i.title), i.url) for i in items[: len(expected["items"])]]
    want = [(squash(i["title"]), urljoin(url, i["href"])) for i in expected["items"]]
    outcome.got["list_items"] = {"count": len(items), "first": got[:2]}
    outcome.right["list_items"] = got == want and len(items) == expected["count"]


def pages_dir(preferred: Path | None = None) -> Path | None:
    """The first folder holding the real pages: `preferred`, $YUQING_REALWEB_DIR, the fixtures
    folder, ../shared/data/realweb; None when none holds them."""
    candidates = [preferred, Path(os.environ["YUQING_REALWEB_DIR"]) if os.environ.get("YUQING_REALWEB_DIR") else None,
                  DATA, REPO.parent / "shared" / "data" / "realweb"]
    for folder in candidates:
        if folder is not None and any(folder.glob("*.html")):
            return folder
    return None


def run(pages: Path) -> list[Outcome]:
    """Score every page with an expected file, reading its bytes from `pages`."""
    outcomes = []
    for expected_path in sorted(DATA.glob("*.expected.json")):
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        outcomes.append(read_page(pages / expected_path.name.replace(".expected.json", ".html"), expected))
    return outcomes


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    """Right / applicable per field, and over titles + dates + body starts together."""
    table: dict[str, Any] = {}
    for name in FIELDS:
        marks = [o.right[name] for o in outcomes if o.right.get(name) is not None]
        table[name] = {"right": sum(marks), "of": len(marks)}
    core = [o.right[n] for o in outcomes for n in ("title", "date", "body_start") if o.right.get(n) is not None]
    table["titles+dates+body_starts"] = {"right": sum(core), "of": len(core)}
    return table


def main(argv: list[str] | None = None) -> int:
    """Print the shares (or JSON); --pages lists every miss."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages-dir", type=Path, default=None, help="where the real pages are")
    parser.add_argument("--pages", action="store_true", help="print what was read wrong, page by page")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    import yuqing.collector

    folder = pages_dir(args.pages_dir)
    if folder is None:
        print(f"no real pages: {MISSING}", file=sys.stderr)
        return 2
    outcomes = run(folder)
    table = summary(outcomes)
    if args.json:
        print(json.dumps({"code": yuqing.collector.__file__, "pages": len(outcomes), "fields": table},
                         ensure_ascii=False, indent=2))
    else:
        print(f"{len(outcomes)} pages, code from {Path(yuqing.collector.__file__).parent}")
        for name, row in table.items():
            share = row["right"] / row["of"] if row["of"] else 0.0
            print(f"  {name:26s} {row['right']:3d} / {row['of']:3d}  {share:6.1%}")
    if args.pages:
        for outcome in outcomes:
            wrong = [k for k, v in outcome.right.items() if v is False]
            if wrong:
                got = {k: outcome.got.get(k) for k in wrong}
                print(f"{outcome.name} ({outcome.kind}): wrong {', '.join(wrong)}; got {got}"
                      + (f"; error {outcome.error}" if outcome.error else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
