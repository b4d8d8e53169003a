"""Category accuracy on labelled posts (`label<TAB>category<TAB>text`), against "always problem".

Only rows whose category is one of the five ids count; negative rows are categorised as
negative, others as not. Nothing here is trained: the rules are the built-in lexicons.

    .venv/bin/python bench/categories.py [FILE ...]   (default: bench/sentiment/eval.tsv)
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from yuqing.analysis.categories import PRIORITY, Categorizer  # noqa: E402
from yuqing.analysis.text import fold_text  # noqa: E402

DEFAULT_FILES = (ROOT / "bench" / "sentiment" / "eval.tsv",)


def read_rows(paths: Sequence[Path]) -> list[tuple[bool, str, str]]:
    """(negative, category, text) of every row with a category id."""
    rows = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) == 3 and parts[1] in PRIORITY:
                rows.append((parts[0] == "neg", parts[1], parts[2]))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    paths = [Path(p) for p in (argv if argv is not None else sys.argv[1:])] or list(DEFAULT_FILES)
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        print(f"no labelled file at {', '.join(missing)} (it arrives with the sentiment corpus)")
        return 1
    rows = read_rows(paths)
    categorizer = Categorizer()
    predicted = [categorizer.categorize(fold_text(text), negative) for negative, _, text in rows]
    truth = [category for _, category, _ in rows]
    hits = sum(p == t for p, t in zip(predicted, truth, strict=True))
    baseline = sum(t == "problem" for t in truth)
    print(f"{len(rows)} labelled rows from {', '.join(p.name for p in paths)}: {dict(Counter(truth))}")
    print(f"rules accuracy {hits / len(rows):.1%}; always-problem baseline {baseline / len(rows):.1%}; "
          f"ratio {hits / max(baseline, 1):.2f}x")
    for category in PRIORITY:
        tp = sum(p == t == category for p, t in zip(predicted, truth, strict=True))
        said = sum(p == category for p in predicted)
        real = sum(t == category for t in truth)
        print(f"  {category:<11} precision {tp / said if said else 0:.0%}  recall {tp / real if real else 0:.0%}"
              f"  ({real} labelled)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
