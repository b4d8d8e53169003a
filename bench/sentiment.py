"""Benchmark (issue 13): judgement on real text → F1, flagged, AUC, kappa, org swap, categories, speed.

In one run: our model, the previous model (commit a5c77ca, from git history) and SnowNLP's default
on the held-out real complaints vs official replies (the acceptance set), titles vs headlines,
bench/sentiment/eval.tsv and the shared sets' held-out rows; the double-labelling kappa; the
organisation-swap suite; categories on held-out real complaints; and the analysis speed script.
`--before PATH` adds another model file (e.g. the one on main) to every set and to the categories.
The headline sets (neg titles vs non headlines, held-out headline) need the THUCNews titles:
`$YUQING_THUCNEWS` (see README, training data); without them they are left out with a warning.
Usage: python bench/sentiment.py [--eval PATH] [--shared DIR] [--before PATH] [--no-speed] [--json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.org_swap import swap_figures, swap_texts  # noqa: E402
from bench.previous_sentiment import load_previous  # noqa: E402
from yuqing.analysis.categories import PRIORITY, Categorizer  # noqa: E402
from yuqing.analysis.complaints import agreement  # noqa: E402
from yuqing.analysis.sentiment import MODEL_PATH, SentimentModel, SnowNLPBaseline  # noqa: E402
from yuqing.analysis.text import fold_text  # noqa: E402
from yuqing.analysis.train_data import SHARED_DIR, Row, load_rows, read_tsv, split  # noqa: E402
from yuqing.analysis.train_fit import evaluate  # noqa: E402

EVAL_PATH = REPO / "bench" / "sentiment" / "eval.tsv"
SNOWNLP_MAX_CHARS = 600  # SnowNLP reads long posts at a few per second: its figure uses their opening


def datasets(args: argparse.Namespace) -> list[tuple[str, list[Row]]]:
    """Return (name, rows) for every set, the acceptance set first; all rows are held out."""
    _, held = split(load_rows(args.shared))
    by = {s: [r for r in held if r.source == s] for s in dict.fromkeys(r.source for r in held)}
    sets = [("real complaints+replies", by.get("message", []) + by.get("reply", []))]
    titles_vs_news = [r for r in by.get("title", []) if r.label] + [r for r in by.get("headline", []) if not r.label]
    if by.get("headline"):
        sets.append(("neg titles vs non headlines", titles_vs_news))
    sets += [(f"held-out {s}", rows) for s, rows in by.items()]
    if args.eval.exists():
        sets.append(("eval.tsv", read_tsv(args.eval, "eval")))
    return sets


def measure(scorer: Any, rows: Sequence[Row], chars: int | None = None) -> dict[str, Any]:
    """Score rows one at a time; return the figures at the scorer's threshold plus items/s (CPU)."""
    start = time.process_time()
    scores = [scorer.score(r.text[:chars] if chars else r.text, normalized=True) for r in rows]
    seconds = time.process_time() - start
    figures: dict[str, Any] = evaluate([r.label for r in rows], scores, scorer.threshold)
    figures["items_per_s"] = len(rows) / seconds if seconds > 0 else float("inf")
    return figures


def category_figures(model: SentimentModel, rows: Sequence[Row], titles: dict[str, str]) -> dict[str, Any]:
    """Accuracy, per-category precision/recall/n and the confusion of rules+model on held-out rows.

    `rows` are held-out negative rows with a category, `titles` their titles by group (message id),
    read apart as the analyzer reads a post's title; "confusion" maps a true category to the
    counts of what was predicted for it.
    """
    categorizer = Categorizer()
    truth = [r.category for r in rows]
    predicted = [categorizer.categorize(fold_text(r.text), True,
                                        model.category_odds(r.text, titles.get(r.group, ""), normalized=True))
                 for r in rows]
    rules = [categorizer.categorize(fold_text(r.text), True) for r in rows]
    pairs = list(zip(predicted, truth, strict=True))
    out: dict[str, Any] = {"n": len(rows), "accuracy": sum(p == t for p, t in pairs) / max(len(rows), 1),
                           "rules_only_accuracy": sum(p == t for p, t in zip(rules, truth, strict=True))
                           / max(len(rows), 1)}
    for category in PRIORITY:
        real = sum(t == category for t in truth)
        said = sum(p == category for p in predicted)
        hit = sum(p == t == category for p, t in pairs)
        out[category] = (f"n={real} recall={hit}/{real}" + (f" ({hit / real:.0%})" if real else "")
                         + f" precision={hit}/{said}" + (f" ({hit / said:.0%})" if said else ""))
    out["confusion"] = {t: {p: sum(pp == p and tt == t for pp, tt in pairs) for p in PRIORITY} for t in PRIORITY}
    return out


def print_table(results: list[dict[str, Any]]) -> None:
    """Print the results as an aligned text table."""
    head = f"{'set':<32}{'model':<18}{'n':>6}{'neg':>6}{'F1':>7}{'flagged':>9}{'AUC':>7}{'items/s':>10}"
    print(head + "\n" + "-" * len(head))
    for r in results:
        print(f"{r['set']:<32}{r['model']:<18}{r['n']:>6}{r['neg']:>6}{r['f1']:>7.3f}"
              f"{r['flagged']:>9.3f}{r['auc']:>7.3f}{r['items_per_s']:>10.0f}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run every scorer on every set and print the tables (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval", type=Path, default=EVAL_PATH)
    parser.add_argument("--shared", type=Path, default=SHARED_DIR)
    parser.add_argument("--model", type=Path, default=MODEL_PATH)
    parser.add_argument("--before", type=Path, help="another model file to measure beside it (before/after)")
    parser.add_argument("--no-speed", action="store_true", help="skip bench/analysis_speed.py")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    model = SentimentModel.load(args.model)
    load_s = time.perf_counter() - start
    previous = load_previous(REPO)
    before = SentimentModel.load(args.before) if args.before else None
    scorers: list[tuple[str, Any, int | None]] = [("yuqing", model, None)]
    scorers += [(f"before {before.version[-10:]}", before, None)] if before else []
    scorers += [("previous a5c77ca", previous, None)] if previous else []
    scorers.append(("snownlp-default", SnowNLPBaseline(), SNOWNLP_MAX_CHARS))
    sets = datasets(args)
    results = [{"set": name, "model": label, **measure(scorer, rows, chars)}
               for name, rows in sets for label, scorer, chars in scorers
               if not (label.startswith("snownlp") and "weibo" in name)]
    held = dict(sets)
    real_titles = [(r.label, r.text) for r in held.get("held-out title", []) if r.label][:60]
    suites = swap_texts(real_titles)
    swaps = {label: swap_figures(lambda t, s=scorer: s.is_negative(s.score(t)), suites)
             for label, scorer, _ in scorers if not label.startswith("snownlp")}
    # the category line is on held-out real complaints; headlines are reported apart
    negatives = {name: [r for r in held.get(f"held-out {name}", []) if r.label and r.category]
                 for name in ("message", "headline")}
    titles = {r.group: r.text for r in held.get("held-out title", [])}
    meta = {"model_version": model.version, "model_bytes": args.model.stat().st_size,
            "model_features": len(model), "load_seconds": round(load_s, 3), "threshold": model.threshold}
    report = {"meta": meta, "results": results, "kappa": agreement(), "org_swap": swaps,
              "categories": category_figures(model, negatives["message"], titles)}
    if negatives["headline"]:
        report["categories_headlines"] = category_figures(model, negatives["headline"], titles)
    if before:
        report["categories_before"] = category_figures(before, negatives["message"], titles)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_table(results)
        print("\n" + "  ".join(f"{k}={v}" for k, v in meta.items()))
        for field, fig in report["kappa"].items():
            print(f"double labelling, {field}: n={fig['n']} kappa={fig['kappa']:.3f} agreement={fig['agreement']:.1%}")
        for label, fig in swaps.items():
            print(f"org swap, {label}: " + "  ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                                                   for k, v in fig.items()))
        for key, whose, where in (("categories", model.version, "held-out real complaints"),
                                  ("categories_before", before and before.version, "held-out real complaints"),
                                  ("categories_headlines", model.version, "held-out real headlines")):
            cats = report.get(key)
            if cats is None:
                continue
            print(f"categories (rules + model {whose}) on {where}, negatives: "
                  + "  ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                              for k, v in cats.items() if k != "confusion"))
            print("category confusion (rows: labelled, columns: predicted " + " ".join(PRIORITY) + "):")
            for truth, counts in cats["confusion"].items():
                print(f"  {truth:<11}" + "".join(f"{n:>6}" for n in counts.values()))
        print(f"note: SnowNLP reads the first {SNOWNLP_MAX_CHARS} characters of each text (speed)")
    if not args.no_speed:
        speed = [sys.executable, str(REPO / "bench" / "analysis_speed.py"), "--posts", "20000", "--baseline", "300"]
        print(subprocess.run(speed, capture_output=True, text=True, check=False).stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
