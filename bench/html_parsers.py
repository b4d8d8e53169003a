"""Benchmark: HTML parser candidates on the extraction benchmark's pages → milliseconds per page.

Times parsing alone (the decoded text to a tree), one core, CPU time, best of three runs. A
candidate whose library is not installed is reported and skipped (html5-parser needs lxml built
from source against the system libxml2, so it is usually measured in a separate environment).
Usage: python bench/html_parsers.py [--data DIR]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.extraction import default_data_dir, load_pages, pin_one_core  # noqa: E402

PROLOG = re.compile(r"\A\s*<\?xml[^>]*\?>", re.IGNORECASE)


def candidates() -> dict[str, Callable[[str], object]]:
    """Every parser that can be imported here, by the name the table shows."""
    from bs4 import BeautifulSoup
    from lxml import etree

    parser = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
    found: dict[str, Callable[[str], object]] = {
        "lxml / libxml2 (not HTML5: stops at a stray </html>)": lambda h: etree.fromstring(h, parser),
        "BeautifulSoup + lxml (not HTML5)": lambda h: BeautifulSoup(h, "lxml"),
    }
    try:
        from selectolax.lexbor import LexborHTMLParser

        from yuqing.collector.html_tree import parse_html

        found["selectolax / lexbor, its own tree"] = LexborHTMLParser
        found["selectolax / lexbor → lxml tree (collector.html_tree)"] = parse_html
    except ImportError as exc:
        print(f"skipping selectolax: {exc}", file=sys.stderr)
    try:
        import html5lib

        found["html5lib → etree (pure Python)"] = lambda h: html5lib.parse(h, namespaceHTMLElements=False)
        found["BeautifulSoup + html5lib"] = lambda h: BeautifulSoup(h, "html5lib")
    except ImportError as exc:
        print(f"skipping html5lib: {exc}", file=sys.stderr)
    try:
        import html5_parser

        found["html5-parser (gumbo) → lxml tree"] = lambda h: html5_parser.parse(h, sanitize_names=True)
    except ImportError as exc:
        print(f"skipping html5-parser: {exc}", file=sys.stderr)
    return found


def main(argv: list[str] | None = None) -> int:
    """Print ms/page and pages/s for every candidate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=default_data_dir())
    args = parser.parse_args(argv)
    pin_one_core()
    texts = [PROLOG.sub("", page.html, count=1) for page in load_pages(args.data)]
    warnings.simplefilter("ignore")  # html5lib warns about every attribute name XML refuses
    for name, parse in candidates().items():
        best = float("inf")
        for _ in range(3):
            started = time.process_time()
            for text in texts:
                parse(text)
            best = min(best, time.process_time() - started)
        print(f"{name:58s} {1000 * best / len(texts):6.2f} ms/page {len(texts) / best:8.0f} pages/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
