"""Analysis stage, sentiment training: labelled sources → analysis/data/sentiment.npz.

Seeded and reproducible; scikit-learn is needed here only (dev extra), never at run time. The
held-out part of the real complaints (`analysis.complaints.is_held_out`) is never trained on.
Usage: python -m yuqing.analysis.train_sentiment [--out PATH] [--shared DIR] [--complaints DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from yuqing.analysis import complaints
from yuqing.analysis.sentiment import MODEL_PATH, SentimentModel, pack_model, post_features
from yuqing.analysis.train_data import SHARED_DIR, Row, lexicon_dir, load_rows, split
from yuqing.analysis.train_fit import (
    Clauses,
    best_threshold,
    build_vocab,
    clause_matrix,
    doc_matrix,
    evaluate,
    fit_binary,
    fit_categories,
    worst_clause,
)

SEED = complaints.SEED
# Sample weights. Real text (messages, their titles, official replies, headlines) and the
# project's own corpus are the target domain (the corpus weighs double: its short headlines are
# what the real messages have least of); the weibo emotion sets and the lexicon words only add
# vocabulary (weighted higher they cost domain F1: measured).
WEIGHTS = {"message": 1.0, "title": 0.5, "reply": 1.0, "headline": 1.0, "corpus": 2.0, "yuqing_dev": 1.0,
           "nlpcc2013_weibo": 0.1, "coae2014_weibo": 0.1, "lexicon": 0.05}
# Citizens' messages are four-fifths complaints: their neutral inquiries, thanks and proposals
# weigh more so that a polite, long or question-form message is not negative by its form alone.
NON_WEIGHT = {"message": 2.0, "title": 2.0}
DOMAIN = ("message", "title", "reply", "headline", "corpus", "yuqing_dev")
# Negativity regularisation, by 5-fold CV on the training rows (message+reply AUC 0.9881 at C 10,
# 0.9889 at 20, 0.9897 at 40, 0.9905 at 100, 0.9910 at 300). It was held at 40 while the form of
# address left after masking ("张先生" vs "李女士") moved a score past the behavioural suite's
# invariance tolerance at 100; gendered forms of address are now one mark (`masking.ADDRESS`), and
# at C 100 the nested-CV F1 at each flag budget was 0.003 above C 40's (measured with the 990 new
# labels, before the third re-read: C 100 stays within 5 % up to budget 0.035, C 40 only to 0.03).
C = 100.0
C_CATEGORIES = 10.0
# A post's category odds blend its title read alone and its most category-telling clause (the one
# that says a category other than `problem` most surely: misconduct or an accident is often one
# clause of a long message) with the whole post (geometric, these shares), and three categories'
# log-odds are moved: sensitive and emergency complaints are few and, read by the plain fit, lose
# to `problem` (raised); since non-negative proposals join the fit, `suggestion` wins too often
# (lowered). Chosen by `bench/category_cv.py` (5-fold CV over the training
# messages, rules and model combined as the analyzer does) as the setting with the smallest summed
# shortfall from the targets (accuracy 85 %, sensitive and suggestion recall 70 %), ties
# broken by the largest smallest margin over them (`margin`); the figures are in BENCHMARKS.md
# ("Sentiment on real text (issue 13)").
TITLE_SHARE = 0.2
CLAUSE_SHARE = 0.2
CATEGORY_BIAS = {"sensitive": 0.6, "suggestion": -0.5, "emergency": 0.5}
# Weight of a non-negative proposal in the category fit (`category_rows`): 5-fold CV accuracy at
# sensitive and suggestion recall ≥ 72 % rose from 81.9 % (none) to 82.9 % (0.5) and 82.4 % (1.0).
NON_SUGGESTION_WEIGHT = 0.5
MAX_FEATURES = 150_000  # largest weights kept: the file stays ~2 MB and loading under 30 MB
# The limit on the share of non-negative real text (replies and neutral messages) flagged.
FLAG_LIMIT = 0.05
# Flag budgets the recipe may give the threshold search (`best_threshold`). It takes the largest
# whose threshold, chosen on four folds' out-of-fold scores, flags at most FLAG_LIMIT of the fifth
# fold's non-negative rows in every fold (`choose_budget`, nested CV): a budget measured only on the
# rows that chose it is optimistic, and folds differ by 2 points at the same threshold. Before
# 2026-12-04 the budget was a fixed 0.04: pooled CV flagged 3.9 %, but its worst nested fold 6.1 %.
BUDGETS = (0.02, 0.025, 0.03, 0.035, 0.04, 0.045)
FOLDS = 5
CATEGORIES = complaints.CATEGORIES


def fold_of(row: Row) -> int:
    """Return a row's cross-validation fold: a hash of its group (a message and its replies stay together)."""
    digest = hashlib.md5(f"{SEED}:fold:{row.group or row.text}".encode()).digest()
    return digest[0] % FOLDS


def weight_of(row: Row) -> float:
    """Return a row's sample weight: its source's, raised for neutral rows of complaint-heavy sources."""
    return WEIGHTS[row.source] * (NON_WEIGHT.get(row.source, 1.0) if row.label == 0 else 1.0)


class Trainer:
    """Holds the featurised training rows and fits the negativity and category weights."""

    def __init__(self, rows: list[Row], docs: list[Clauses], vocab: dict[str, int]) -> None:
        self.rows, self.docs, self.vocab = rows, docs, vocab
        self.x = doc_matrix(docs, vocab)
        self.clauses_x, self.starts = clause_matrix(docs, vocab)
        self.y = np.array([r.label for r in rows])
        self.w = np.array([weight_of(r) for r in rows])

    def fit_negativity(self, mask: np.ndarray) -> tuple[np.ndarray, float]:
        """Fit the negativity weights on the rows `mask` selects."""
        return fit_binary(self.x[mask], self.y[mask], self.w[mask], C, SEED)

    def scores(self, coef: np.ndarray, intercept: float, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (whole-post, worst-clause) decision values of the selected rows."""
        whole = np.asarray(self.x[mask] @ coef).ravel() + intercept
        worst = worst_clause(self.clauses_x, self.starts, coef, intercept)[mask]
        return whole, worst

    def out_of_fold(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the domain rows' mask and their out-of-fold (whole, worst-clause) decision values."""
        domain = np.array([r.source in DOMAIN for r in self.rows])
        folds = np.array([fold_of(r) for r in self.rows])
        whole, worst = np.zeros(len(self.rows)), np.zeros(len(self.rows))
        for k in range(FOLDS):
            test = domain & (folds == k)
            coef, intercept = self.fit_negativity(~test)
            whole[test], worst[test] = self.scores(coef, intercept, test)
        return domain, whole[domain], worst[domain]

    def fit_categories(self) -> tuple[np.ndarray, np.ndarray]:
        """Fit the category weights on the rows `category_rows` selects."""
        mask, weights = category_rows(self.rows)
        cats = [r.category or "" for r, m in zip(self.rows, mask, strict=True) if m]
        return fit_categories(self.x[mask], cats, (self.w * weights)[mask] * balance(cats), CATEGORIES,
                              C_CATEGORIES, SEED)


def category_rows(rows: Sequence[Row]) -> tuple[np.ndarray, np.ndarray]:
    """Return which rows the category block is fitted on, and their weight factors.

    Negative rows with a category count fully; non-negative proposals (`non`/suggestion: the same
    words of proposal, without a complaint) count NON_SUGGESTION_WEIGHT, so that the block learns
    what a proposal says from more than the few hundred negative ones.
    """
    mask = np.array([r.category is not None and (r.label == 1 or r.category == "suggestion") for r in rows])
    weights = np.array([1.0 if r.label == 1 else NON_SUGGESTION_WEIGHT for r in rows])
    return mask, weights


def balance(cats: Sequence[str]) -> np.ndarray:
    """Return balanced-class weights: four in five real complaints are `problem`, and an unbalanced
    fit calls nearly everything that (measured: 敏感类 recall 34 %)."""
    counts = Counter(cats)
    return np.array([len(cats) / (len(counts) * counts[c]) for c in cats])


def combine(labels: np.ndarray, whole: np.ndarray, worst: np.ndarray) -> tuple[float, float, float]:
    """Fit the calibrated blend of whole-post and worst-clause scores: (a, b, bias)."""
    from sklearn.linear_model import LogisticRegression

    blend = LogisticRegression(C=1e4).fit(np.column_stack([whole, worst]), labels)
    return float(blend.coef_[0][0]), float(blend.coef_[0][1]), float(blend.intercept_[0])


def nested_worst_fold(labels: np.ndarray, prob: np.ndarray, folds: np.ndarray, budget: float) -> tuple[float, float]:
    """Return the worst fold's (flag share, F1) when each fold's threshold is chosen on the others.

    `labels`, `prob` and `folds` are rows' labels, out-of-fold probabilities and folds; the
    threshold is `best_threshold` at `budget` on the other folds' rows.
    """
    worst_flagged, worst_f1 = 0.0, 1.0
    for k in range(FOLDS):
        inside = folds != k
        fig = evaluate(labels[~inside], prob[~inside], best_threshold(labels[inside], prob[inside], budget))
        worst_flagged, worst_f1 = max(worst_flagged, fig["flagged"]), min(worst_f1, fig["f1"])
    return worst_flagged, worst_f1


def choose_budget(labels: np.ndarray, prob: np.ndarray, folds: np.ndarray, limit: float = FLAG_LIMIT) -> float:
    """Return the largest of BUDGETS whose nested-CV threshold flags at most `limit` in every fold.

    `labels`, `prob` and `folds` are the real rows' labels, out-of-fold probabilities and folds
    (`nested_worst_fold`); prints each budget's worst fold. Falls back to the smallest budget.
    """
    chosen = BUDGETS[0]
    for budget in BUDGETS:
        worst_flagged, worst_f1 = nested_worst_fold(labels, prob, folds, budget)
        print(f"flag budget {budget:.3f}: nested CV worst fold flags {worst_flagged:.3f}, worst fold F1 {worst_f1:.3f}")
        if worst_flagged <= limit:
            chosen = budget
    print(f"flag budget chosen: {chosen:.3f} (every nested fold at most {limit:.0%} flagged)")
    return chosen


def prune(trainer: Trainer, keep: int) -> dict[str, int]:
    """Return the vocabulary of the `keep` features with the largest weights (negativity or category)."""
    coef, _ = trainer.fit_negativity(np.ones(len(trainer.rows), dtype=bool))
    cat_coef, _ = trainer.fit_categories()
    importance = np.abs(coef) / np.abs(coef).max() + np.abs(cat_coef).max(axis=1) / np.abs(cat_coef).max()
    chosen = np.sort(np.argsort(-importance, kind="stable")[:keep])
    names = sorted(trainer.vocab, key=trainer.vocab.__getitem__)
    return {names[i]: n for n, i in enumerate(chosen)}


def model_version(arrays: dict[str, np.ndarray]) -> str:
    """Return a version string naming the recipe and a digest of what the model file holds.

    Any change of data, recipe or masking changes the weights, hence the version, hence the
    analyses the service redoes.
    """
    digest = hashlib.sha1()
    for key in sorted(arrays):
        if key != "MODEL_VERSION":
            digest.update(key.encode() + np.ascontiguousarray(arrays[key]).tobytes())
    return f"maskedlr-{SEED}-{digest.hexdigest()[:10]}"


def print_figures(title: str, figures: dict[str, float]) -> None:
    """Print one line of evaluation figures."""
    print(f"{title:<30} n={figures['n']:>5} neg={figures['neg']:>5} F1={figures['f1']:.3f} "
          f"P={figures['precision']:.3f} R={figures['recall']:.3f} flagged={figures['flagged']:.3f} "
          f"AUC={figures['auc']:.3f}")


def train(rows: list[Row], out: Path) -> SentimentModel:
    """Fit, calibrate on cross-validation, export to `out` and return the loaded model."""
    started = time.perf_counter()
    docs = [post_features(r.text) for r in rows]
    print(f"featurised {len(rows)} rows in {time.perf_counter() - started:.0f} s")
    trainer = Trainer(rows, docs, build_vocab(docs))
    trainer = Trainer(rows, docs, prune(trainer, MAX_FEATURES))
    domain, whole, worst = trainer.out_of_fold()
    labels = trainer.y[domain]
    a, b, bias = combine(labels, whole, worst)
    prob = 1 / (1 + np.exp(-(a * whole + b * worst + bias)))
    real = np.array([r.source in ("message", "reply") for r in rows])[domain]
    folds = np.array([fold_of(r) for r in rows])[domain]
    budget = choose_budget(labels[real], prob[real], folds[real])
    threshold = best_threshold(labels[real], prob[real], budget)
    print(f"blend: whole={a:.3f} worst-clause={b:.3f} bias={bias:.3f} threshold={threshold}")
    for name in ("message+reply", "corpus", "title"):
        sel = np.array([r.source in name.split("+") for r in rows])[domain]
        print_figures(f"{FOLDS}-fold CV {name}", evaluate(labels[sel], prob[sel], threshold))
    coef, intercept = trainer.fit_negativity(np.ones(len(rows), dtype=bool))
    cat_coef, cat_intercepts = trainer.fit_categories()
    cat_intercepts = cat_intercepts + np.array([CATEGORY_BIAS.get(c, 0.0) for c in CATEGORIES])
    vocab = sorted(trainer.vocab, key=trainer.vocab.__getitem__)
    arrays = pack_model(vocab, np.column_stack([coef, cat_coef]), [intercept, *cat_intercepts],
                        (a, b, bias), threshold, CATEGORIES, "", TITLE_SHARE, CLAUSE_SHARE)
    arrays["MODEL_VERSION"] = np.array(model_version(arrays))
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **arrays)
    return SentimentModel.load(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Train on every source's training part, export, and report figures on the held-out parts."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--shared", type=Path, default=SHARED_DIR)
    parser.add_argument("--complaints", type=Path, default=complaints.COMPLAINTS_DIR)
    parser.add_argument("--lexicons", action="store_true",
                        help="add cntext's lexicon words as rows (measured: no gain, so off by default)")
    args = parser.parse_args(argv)
    lexicons = lexicon_dir() if args.lexicons else None
    if args.lexicons and lexicons is None:
        parser.error("cntext's lexicons not found: `pip install --no-deps cntext==2.2.1`")
    train_rows, held = split(load_rows(args.shared, args.complaints, lexicons))
    for source in dict.fromkeys(r.source for r in train_rows + held):
        n_train = sum(r.source == source for r in train_rows)
        print(f"{source:<16} train={n_train:>6} held-out={sum(r.source == source for r in held):>5} "
              f"weight={WEIGHTS[source]}")
    model = train(train_rows, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB, {len(model)} features, "
          f"version {model.version})")
    for source in dict.fromkeys(r.source for r in held):
        part = [r for r in held if r.source == source]
        scores = model.score_many([r.text for r in part], normalized=True)
        print_figures(f"held-out {source}", evaluate([r.label for r in part], scores, model.threshold))
    real = [r for r in held if r.source in ("message", "reply")]
    scores = model.score_many([r.text for r in real], normalized=True)
    print_figures("held-out message+reply", evaluate([r.label for r in real], scores, model.threshold))
    return 0


if __name__ == "__main__":
    sys.exit(main())
