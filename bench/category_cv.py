"""Category recipe by 5-fold cross-validation on the TRAINING messages only (never the held-out part).

The category block is fitted as `analysis.train_sentiment` fits it (`category_rows`: negative rows
with a category and, at a lower weight, non-negative proposals; balanced classes, C_CATEGORIES) on
four folds; the fifth fold's messages are categorised as the
analyzer does (rules + MODEL_WEIGHT × model odds), with the odds read as the run-time model reads
them (`analysis.sentiment.blend_category_logits`): the whole post blended with its title
(`--title-share`) and with its most category-telling clause (`--clause-share`), after the log-odds
of some categories are raised (`--bias`, as the recipe adds them to the intercepts). Prints
accuracy and per-category recall for each setting.

    .venv/bin/python bench/category_cv.py [--title-share 0 0.2] [--clause-share 0 0.2] \
        [--bias "" sensitive=0.5,suggestion=0.3 ...]
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from yuqing.analysis.categories import PRIORITY, Categorizer  # noqa: E402
from yuqing.analysis.sentiment import blend_category_logits, post_features  # noqa: E402
from yuqing.analysis.text import fold_text  # noqa: E402
from yuqing.analysis.train_data import load_rows, split  # noqa: E402
from yuqing.analysis.train_fit import build_vocab, clause_matrix, doc_matrix, fit_categories  # noqa: E402
from yuqing.analysis.train_sentiment import (  # noqa: E402
    C_CATEGORIES,
    CATEGORIES,
    FOLDS,
    SEED,
    balance,
    category_rows,
    fold_of,
    weight_of,
)


@dataclass
class OutOfFold:
    """The training messages and their category logits, each from the fold fit without it."""

    texts: list[str]
    truth: list[str]
    whole: np.ndarray  # messages × categories
    title: np.ndarray  # messages × categories (the title read alone)
    clauses: list[np.ndarray]  # per message: clauses × categories
    has_title: list[bool]


def out_of_fold(c: float = C_CATEGORIES) -> OutOfFold:
    """Fit the category block on four folds and read the fifth fold's messages (whole, title, clauses)."""
    train, _ = split(load_rows())
    selected, factors = category_rows(train)
    rows = [r for r, m in zip(train, selected, strict=True) if m]
    factors = factors[selected]
    titles = {r.group: r.text for r in train if r.source == "title"}
    docs = [post_features(r.text) for r in rows]
    vocab = build_vocab(docs)
    x = doc_matrix(docs, vocab)
    messages = np.array([i for i, r in enumerate(rows) if r.source == "message" and r.label == 1])
    x_title = doc_matrix([post_features(titles.get(rows[i].group, "")) for i in messages], vocab)
    x_clauses, starts = clause_matrix([docs[i] for i in messages], vocab)
    ends = np.append(starts[1:], x_clauses.shape[0])
    cats = np.array([r.category for r in rows])
    weights = np.array([weight_of(r) for r in rows]) * factors
    folds = np.array([fold_of(r) for r in rows])
    whole, title = np.zeros((len(messages), len(CATEGORIES))), np.zeros((len(messages), len(CATEGORIES)))
    clause_logits = np.zeros((x_clauses.shape[0], len(CATEGORIES)))
    for k in range(FOLDS):
        train_part = folds != k
        coef, intercepts = fit_categories(x[train_part], list(cats[train_part]),
                                          weights[train_part] * balance(list(cats[train_part])), CATEGORIES, c, SEED)
        test = folds[messages] == k
        whole[test] = np.asarray(x[messages[test]] @ coef) + intercepts
        title[test] = np.asarray(x_title[test] @ coef) + intercepts
        for m in np.flatnonzero(test):
            clause_logits[starts[m]:ends[m]] = np.asarray(x_clauses[starts[m]:ends[m]] @ coef) + intercepts
    return OutOfFold([rows[i].text for i in messages], list(cats[messages]), whole, title,
                     [clause_logits[s:e] for s, e in zip(starts, ends, strict=True)],
                     [bool(titles.get(rows[i].group, "").strip()) for i in messages])


def parse_bias(text: str) -> dict[str, float]:
    """"sensitive=0.5,suggestion=0.3" → {"sensitive": 0.5, "suggestion": 0.3} ("" → {})."""
    pairs = [p.split("=") for p in text.split(",") if p]
    return {name: float(value) for name, value in pairs}


def figures(oof: OutOfFold, title_share: float, clause_share: float, bias: dict[str, float],
            categorizer: Categorizer | None = None) -> dict[str, float]:
    """Accuracy and per-category recall of rules + blended, biased odds on the out-of-fold messages."""
    categorizer = categorizer or Categorizer()
    shift = np.array([bias.get(c, 0.0) for c in CATEGORIES])
    predicted = []
    for n, text in enumerate(oof.texts):
        title = oof.title[n] + shift if oof.has_title[n] else None
        z = blend_category_logits(oof.whole[n] + shift, title, oof.clauses[n] + shift, title_share, clause_share)
        odds = np.exp(z - z.max())
        odds /= odds.sum()
        predicted.append(categorizer.categorize(fold_text(text), True, dict(zip(CATEGORIES, odds.tolist(), strict=True))))
    pairs = list(zip(predicted, oof.truth, strict=True))
    out = {"accuracy": sum(p == t for p, t in pairs) / len(pairs)}
    for category in PRIORITY:
        n = oof.truth.count(category)
        out[category] = sum(p == t == category for p, t in pairs) / n if n else math.nan
    return out


def shortfall(fig: dict[str, float]) -> float:
    """Summed shortfall from the issue's targets: accuracy 85 %, sensitive and suggestion recall 70 %."""
    return max(0.0, 0.85 - fig["accuracy"]) + max(0.0, 0.70 - fig["sensitive"]) + max(0.0, 0.70 - fig["suggestion"])


def margin(fig: dict[str, float]) -> float:
    """Smallest margin over the same targets: breaks ties between settings without a shortfall."""
    return min(fig["accuracy"] - 0.85, fig["sensitive"] - 0.70, fig["suggestion"] - 0.70)


def main(argv: Sequence[str] | None = None) -> int:
    """Print CV figures for every (title share, clause share, bias) setting asked for."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--title-share", type=float, nargs="+", default=[0.0, 0.2])
    parser.add_argument("--clause-share", type=float, nargs="+", default=[0.0, 0.2])
    parser.add_argument("--bias", nargs="+", default=["", "sensitive=0.5,suggestion=0.3"])
    parser.add_argument("--c", type=float, default=C_CATEGORIES, help="the category block's C")
    args = parser.parse_args(argv)
    oof = out_of_fold(args.c)
    print(f"{len(oof.truth)} training messages, 5-fold, C={args.c}: "
          + " ".join(f"{c}={oof.truth.count(c)}" for c in PRIORITY))
    categorizer = Categorizer()
    for share, clause, bias in itertools.product(args.title_share, args.clause_share, args.bias):
        fig = figures(oof, share, clause, parse_bias(bias), categorizer)
        print(f"title {share:.2f} clause {clause:.2f} bias {bias or '-':<44} accuracy {fig['accuracy']:.1%}  "
              + "  ".join(f"{c} {fig[c]:.0%}" for c in PRIORITY) + f"  shortfall {shortfall(fig):.3f}  margin {margin(fig):+.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
