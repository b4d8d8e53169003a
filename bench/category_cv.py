"""Category recipe by 5-fold cross-validation on the TRAINING messages only (never the held-out part).

The category block is fitted as `analysis.train_sentiment` fits it (negative rows with a category,
balanced classes, C_CATEGORIES) on four folds; the fifth fold's messages are categorised as the
analyzer does (rules + MODEL_WEIGHT × model odds), with the odds read from the whole post blended
with its title (`--title-share`) and the log-odds of some categories raised (`--bias`). Prints
accuracy and per-category recall for each setting, beside the plain fit (share 0, no bias).

    .venv/bin/python bench/category_cv.py [--title-share 0 0.2 0.3] [--bias sensitive=0.5,suggestion=0.3 ...]
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from yuqing.analysis.categories import PRIORITY, Categorizer  # noqa: E402
from yuqing.analysis.sentiment import post_features  # noqa: E402
from yuqing.analysis.text import fold_text  # noqa: E402
from yuqing.analysis.train_data import load_rows, split  # noqa: E402
from yuqing.analysis.train_fit import build_vocab, doc_matrix, fit_categories  # noqa: E402
from yuqing.analysis.train_sentiment import (  # noqa: E402
    C_CATEGORIES,
    CATEGORIES,
    FOLDS,
    SEED,
    fold_of,
    weight_of,
)


def parse_bias(text: str) -> dict[str, float]:
    """"sensitive=0.5,suggestion=0.3" → {"sensitive": 0.5, "suggestion": 0.3} ("" → {})."""
    pairs = [p.split("=") for p in text.split(",") if p]
    return {name: float(value) for name, value in pairs}


def out_of_fold_odds() -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """Return the training messages' (texts, labels, whole-post odds, title odds), each from the fold fit without it."""
    train, _ = split(load_rows())
    rows = [r for r in train if r.label == 1 and r.category is not None]
    titles = {r.group: r.text for r in train if r.source == "title"}
    docs = [post_features(r.text) for r in rows]
    vocab = build_vocab(docs)
    x = doc_matrix(docs, vocab)
    messages = np.array([i for i, r in enumerate(rows) if r.source == "message"])
    x_title = doc_matrix([post_features(titles.get(rows[i].group, "")) for i in messages], vocab)
    cats = np.array([r.category for r in rows])
    weights = np.array([weight_of(r) for r in rows])
    folds = np.array([fold_of(r) for r in rows])
    whole, title = np.zeros((len(messages), len(CATEGORIES))), np.zeros((len(messages), len(CATEGORIES)))
    for k in range(FOLDS):
        train_part = folds != k
        counts = {c: int((cats[train_part] == c).sum()) for c in set(cats[train_part])}
        balance = np.array([train_part.sum() / (len(counts) * counts[c]) for c in cats[train_part]])
        coef, intercepts = fit_categories(x[train_part], list(cats[train_part]), weights[train_part] * balance,
                                          CATEGORIES, C_CATEGORIES, SEED)
        test = folds[messages] == k
        whole[test] = np.asarray(x[messages[test]] @ coef) + intercepts
        title[test] = np.asarray(x_title[test] @ coef) + intercepts
    texts = [rows[i].text for i in messages]
    return texts, list(cats[messages]), whole, title


def figures(texts: Sequence[str], truth: Sequence[str], whole: np.ndarray, title: np.ndarray,
            share: float, bias: dict[str, float]) -> dict[str, float]:
    """Accuracy and per-category recall of rules + blended, biased odds on the out-of-fold messages."""
    categorizer = Categorizer()
    shift = np.array([bias.get(c, 0.0) for c in CATEGORIES])
    logits = (1 - share) * whole + share * title + shift  # log-softmax blend = logit blend up to a constant
    predicted = []
    for text, z in zip(texts, logits, strict=True):
        odds = np.exp(z - z.max())
        odds /= odds.sum()
        predicted.append(categorizer.categorize(fold_text(text), True, dict(zip(CATEGORIES, odds.tolist(), strict=True))))
    out = {"accuracy": sum(p == t for p, t in zip(predicted, truth, strict=True)) / len(truth)}
    for category in PRIORITY:
        n = sum(t == category for t in truth)
        out[category] = sum(p == t == category for p, t in zip(predicted, truth, strict=True)) / n if n else math.nan
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Print CV figures for every (title share, bias) setting asked for."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--title-share", type=float, nargs="+", default=[0.0, 0.2, 0.3])
    parser.add_argument("--bias", nargs="+", default=["", "sensitive=0.5,suggestion=0.3"])
    args = parser.parse_args(argv)
    texts, truth, whole, title = out_of_fold_odds()
    print(f"{len(truth)} training messages, 5-fold: " + " ".join(f"{c}={truth.count(c)}" for c in PRIORITY))
    for share in args.title_share:
        for bias in args.bias:
            fig = figures(texts, truth, whole, title, share, parse_bias(bias))
            print(f"title share {share:.2f} bias {bias or '-':<30} accuracy {fig['accuracy']:.1%}  "
                  + "  ".join(f"{c} {fig[c]:.0%}" for c in PRIORITY))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
