"""Analysis stage, training helpers: featurised rows → sparse matrices, fitted weights, metrics.

scikit-learn and scipy are imported inside the functions that need them (dev extra only); the
metrics are plain numpy so the benchmark can use them without scikit-learn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

Clauses = list[set[str]]


def build_vocab(docs: Sequence[Clauses], min_df: int = 2) -> dict[str, int]:
    """Return feature → column for features in at least `min_df` documents, in sorted order."""
    counts: dict[str, int] = {}
    for clauses in docs:
        for feature in set().union(*clauses) if clauses else ():
            counts[feature] = counts.get(feature, 0) + 1
    return {f: i for i, f in enumerate(sorted(f for f, n in counts.items() if n >= min_df))}


def _matrix(id_lists: Sequence[list[int]], n_cols: int) -> Any:
    """Binary rows, each L2-normalised over its known features (as the model scores at run time)."""
    from scipy.sparse import csr_matrix

    indptr = np.zeros(len(id_lists) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(ids) for ids in id_lists])
    indices = np.fromiter((i for ids in id_lists for i in ids), dtype=np.int32, count=int(indptr[-1]))
    data = np.concatenate([np.full(len(ids), 1 / np.sqrt(len(ids))) for ids in id_lists if ids] or [[]])
    return csr_matrix((data, indices, indptr), shape=(len(id_lists), n_cols))


def doc_matrix(docs: Sequence[Clauses], vocab: dict[str, int]) -> Any:
    """Return the whole-post matrix (one row per document)."""
    ids = [sorted({vocab[f] for c in clauses for f in c if f in vocab}) for clauses in docs]
    return _matrix(ids, len(vocab))


def clause_matrix(docs: Sequence[Clauses], vocab: dict[str, int]) -> tuple[Any, np.ndarray]:
    """Return a matrix with one row per clause and each document's first clause row."""
    ids: list[list[int]] = []
    starts = np.zeros(len(docs), dtype=np.int64)
    for d, clauses in enumerate(docs):
        starts[d] = len(ids)
        ids.extend(sorted({vocab[f] for f in c if f in vocab}) for c in (clauses or [set()]))
    return _matrix(ids, len(vocab)), starts


def worst_clause(clauses_x: Any, starts: np.ndarray, coef: np.ndarray, intercept: float) -> np.ndarray:
    """Return each document's highest clause decision value."""
    per_clause = np.asarray(clauses_x @ coef).ravel() + intercept
    return np.maximum.reduceat(per_clause, starts)


def fit_binary(x: Any, y: Sequence[int], weights: Sequence[float], c: float, seed: int) -> tuple[np.ndarray, float]:
    """Fit a weighted logistic regression; return (coef, intercept)."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, max_iter=5000, solver="liblinear", random_state=seed)
    clf.fit(x, np.asarray(y), sample_weight=np.asarray(weights))
    return clf.coef_[0].astype(np.float64), float(clf.intercept_[0])


def fit_categories(x: Any, y: Sequence[str], weights: Sequence[float], classes: Sequence[str], c: float,
                   seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Fit a weighted multinomial logistic regression; return (features × classes coef, intercepts)."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, max_iter=5000, random_state=seed)
    clf.fit(x, np.asarray(y), sample_weight=np.asarray(weights))
    order = [list(clf.classes_).index(k) for k in classes]
    return clf.coef_[order].T.astype(np.float64), clf.intercept_[order].astype(np.float64)


def roc_auc(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Return ROC-AUC (Mann–Whitney, ties count half) without scikit-learn."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if not n_pos or not n_neg:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    _, first, counts = np.unique(s[order], return_index=True, return_counts=True)
    ranks[order] = np.repeat(first + (counts + 1) / 2.0, counts)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def evaluate(labels: Sequence[int], scores: Sequence[float], threshold: float) -> dict[str, float]:
    """Return negative-class F1/precision/recall, share of non-neg flagged, ROC-AUC."""
    y = np.asarray(labels, dtype=bool)
    flag = np.asarray(scores) >= threshold
    tp, fp, fn = int((y & flag).sum()), int((~y & flag).sum()), int((y & ~flag).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    flagged = fp / int((~y).sum()) if (~y).any() else 0.0
    return {"n": len(y), "neg": int(y.sum()), "f1": f1, "precision": precision, "recall": recall,
            "flagged": flagged, "auc": roc_auc(labels, scores)}


def best_threshold(labels: Sequence[int], prob: Sequence[float], max_flagged: float) -> float:
    """Return the F1-best threshold (0.05–0.95) that flags at most `max_flagged` of non-negatives."""
    best = (-1.0, 0.5)
    for t in np.arange(0.05, 0.951, 0.01):
        m = evaluate(labels, prob, float(t))
        if m["flagged"] <= max_flagged and m["f1"] > best[0]:
            best = (m["f1"], float(t))
    return round(best[1], 2)
