"""Draw the seeded, class-stratified sample of THUCNews headlines that we label (issue 13).

Input: the THUCNews files of GitHub 649453932/Chinese-Text-Classification-Pytorch @ 6cb2681
(`THUCNews/data/dev.txt`, `test.txt`: `title<TAB>class id`; `train.txt` is not in the stored
snapshot), read from a mirror git directory or a folder of extracted files (`--source`, default
`$YUQING_THUCNEWS`). Output: one `file<TAB>line<TAB>class<TAB>title` row per sampled headline on
stdout, in a seeded random order (the first 1,200, then a second draw of 300), for reading; the titles are not committed, only our labels are
(bench/sentiment/headlines_labels.tsv, keyed by file and 1-based line number).
Usage: python bench/sentiment/headlines_sample.py [--source PATH] [--seed N]
"""

from __future__ import annotations

import argparse
import os
import random
from pathlib import Path

from yuqing.analysis.thucnews import CLASSES, read_file

SEED = 13
FILES = ("dev.txt", "test.txt")
# Headlines per class: over-represent the classes where negative news lives, keep every class.
PER_CLASS = {"society": 320, "politics": 220, "realty": 130, "education": 130, "finance": 130,
             "stocks": 60, "science": 60, "entertainment": 60, "sports": 50, "game": 40}
# A second draw (seed + 1, from the headlines the first left), labelled after the first 1,200.
EXTRA_PER_CLASS = {"society": 100, "politics": 80, "realty": 20, "education": 30, "finance": 30,
                   "stocks": 10, "science": 10, "entertainment": 10, "sports": 5, "game": 5}


def draw(by_class: dict[str, list[tuple[str, int, str]]], per_class: dict[str, int],
         seed: int) -> list[tuple[str, int, str]]:
    """Return `per_class[c]` headlines of each class c drawn with `seed`, the whole in a seeded order."""
    rng = random.Random(seed)
    sample = [item for klass, count in per_class.items() for item in rng.sample(by_class[klass], count)]
    rng.shuffle(sample)
    return sample


def main() -> None:
    """Print the sample (file, line, class name, title) for labelling."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path(os.environ.get("YUQING_THUCNEWS", "")))
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    by_class: dict[str, list[tuple[str, int, str]]] = {name: [] for name in CLASSES}
    for name in FILES:
        for line, (title, klass) in read_file(args.source, name).items():
            by_class[CLASSES[klass]].append((name, line, title))
    classes = {(f, n): k for k, items in by_class.items() for f, n, _ in items}
    first = draw(by_class, PER_CLASS, args.seed)
    taken = set(first)
    rest = {klass: [item for item in items if item not in taken] for klass, items in by_class.items()}
    for name, line, title in first + draw(rest, EXTRA_PER_CLASS, args.seed + 1):
        print(f"{name}\t{line}\t{classes[(name, line)]}\t{title}")


if __name__ == "__main__":
    main()
