"""Analysis stage, training data: every labelled source → weighted rows, train and held-out apart.

Used by `analysis.train_sentiment` and `bench/sentiment.py` (scikit-learn-free). Sources: the
project's own corpus, the real complaints (split by `analysis.complaints.is_held_out`), real
headlines when labelled, the shared weibo sets, and the curated lexicons shipped in `cntext`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from yuqing.analysis import complaints, thucnews
from yuqing.analysis.text import normalize

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
# The shared data sits beside the repository (../shared/data/sentiment); override with the variable.
_BESIDE_REPO = complaints.REPO.parent / "shared" / "data" / "sentiment"
SHARED_DIR = Path(os.environ.get("YUQING_SENTIMENT_DATA", str(_BESIDE_REPO)))
SHARED_FILES = ("nlpcc2013_weibo.tsv", "coae2014_weibo.tsv", "yuqing_dev.tsv")
HEADLINES = Path(os.environ.get("YUQING_HEADLINES", str(complaints.REPO.parent / "labels" / "headlines.tsv")))
# Our labels of THUCNews headlines (by file and line) and where the titles are: a git directory
# holding GitHub 649453932/Chinese-Text-Classification-Pytorch @ 6cb2681, or a folder of its
# THUCNews/data/{dev,test}.txt; beside the repository as `thucnews`, or $YUQING_THUCNEWS.
THUCNEWS_LABELS = complaints.LABELS_DIR / "headlines_labels.tsv"
THUCNEWS_DIR = Path(os.environ.get("YUQING_THUCNEWS", str(complaints.REPO.parent / "thucnews")))
log = logging.getLogger(__name__)
HOLDOUT = 0.15  # of the shared weibo files, by a hash of the text (as before)
# cntext's lexicon files (MIT package) and which of their classes count as negative / positive.
LEXICONS = {
    "zh_common_DUTIR.yaml": ({"哀", "惧", "恶", "怒"}, {"乐", "好"}),
    "zh_common_HowNet.yaml": ({"neg"}, {"pos"}),
    "zh_common_NTUSD.yaml": ({"negative"}, {"positive"}),
    "zh_common_TsinghuaPraiseDegrade.yaml": ({"degrade"}, {"praise"}),
}


@dataclass(frozen=True)
class Row:
    """One training or evaluation text: label (1 = neg), category or None, source name."""

    label: int
    category: str | None
    text: str
    source: str
    held: bool = False
    group: str = ""  # rows of one group (a message, its title, its replies) share a CV fold


def read_tsv(path: Path, source: str) -> list[Row]:
    """Read `label<TAB>[category<TAB>]text` lines (label neg|non|pos), normalising text."""
    rows: list[Row] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 2 or parts[0] not in ("neg", "non", "pos"):
            continue  # header, blank or malformed line
        text = normalize(parts[-1])
        category = parts[1] if len(parts) >= 3 and parts[1] in complaints.CATEGORIES else None
        if text:
            rows.append(Row(int(parts[0] == "neg"), category, text, source))
    return rows


def is_held_text(text: str, frac: float = HOLDOUT, seed: int = complaints.SEED) -> bool:
    """Return whether a shared-set row is held out: a seeded hash of its text, stable and order-free."""
    digest = hashlib.md5(f"{seed}:{text}".encode()).digest()
    return int.from_bytes(digest[:4], "big") < frac * 2**32


def corpus_rows() -> list[Row]:
    """The project's own written corpus (all trained on; bench/sentiment/eval.tsv is the test)."""
    rows: list[Row] = []
    for path in sorted(CORPUS_DIR.glob("*.tsv")):
        rows.extend(read_tsv(path, "corpus"))
    return rows


def shared_rows(shared: Path = SHARED_DIR) -> list[Row]:
    """The shared weibo sets and yuqing_dev, 15 % of each held out by text hash."""
    rows: list[Row] = []
    for name in SHARED_FILES:
        for row in read_tsv(shared / name, name.removesuffix(".tsv")):
            rows.append(Row(row.label, row.category, row.text, row.source, is_held_text(row.text)))
    return rows


def complaint_rows(folder: Path = complaints.COMPLAINTS_DIR) -> list[Row]:
    """Labelled messages, their titles, and official replies; held out by message id."""
    return [Row(int(e.negative), e.category if e.negative or e.category == "suggestion" else None,
                normalize(e.text), e.kind, e.held, e.key.split("/")[0]) for e in complaints.load_examples(folder)]


def headline_rows(path: Path = HEADLINES, labels: Path = THUCNEWS_LABELS,
                  source: Path = THUCNEWS_DIR) -> list[Row]:
    """Real news headlines labelled by the guide; 30 % held out by a seeded hash of the text.

    Two inputs, either or both: our THUCNews labels (`labels`, keyed by file and line) with the
    titles read from `source` (a git directory or folder, see `analysis.thucnews`), and an older
    `label<TAB>category<TAB>text` file (`path`). A title in both counts once (the THUCNews label
    wins). An absent source yields no rows and a warning, so that training without the headlines
    is visible; a source that is not the labelled version raises ValueError.
    """
    rows: dict[str, Row] = {}
    if labels.exists():
        if source.exists():
            for label, title in thucnews.labelled_titles(source, thucnews.read_labels(labels)):
                text = normalize(title)
                category = label.category if label.category in complaints.CATEGORIES else None
                if text:
                    rows.setdefault(text, Row(int(label.label == "neg"), category, text, "headline",
                                              is_held_text(text, complaints.HELD_OUT)))
        else:
            log.warning("THUCNews titles not found at %s (set YUQING_THUCNEWS): no labelled headlines", source)
    if path.exists():
        for r in read_tsv(path, "headline"):
            rows.setdefault(r.text, Row(r.label, r.category, r.text, "headline",
                                        is_held_text(r.text, complaints.HELD_OUT)))
    return list(rows.values())


def lexicon_dir() -> Path | None:
    """Where cntext's lexicon files are (found without importing cntext), or None."""
    spec = importlib.util.find_spec("cntext")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "io" / "data"
    return folder if folder.is_dir() else None


def read_lexicon(path: Path, negative: set[str], positive: set[str]) -> list[tuple[int, str]]:
    """Read one cntext YAML lexicon (`Dictionary:` → `  class:` → `  - word`) as (1 = neg, word)."""
    words: list[tuple[int, str]] = []
    current: str | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.endswith(":") and line.startswith(" ") and not stripped.startswith("-"):
            current = stripped[:-1]
        elif stripped.startswith("- ") and current in negative | positive:
            word = normalize(stripped[2:].strip("'\""))
            if word:
                words.append((int(current in negative), word))
    return words


def lexicon_rows(folder: Path | None) -> list[Row]:
    """Each lexicon word as a one-word row (a word both lists hold is dropped)."""
    if folder is None:
        return []
    seen: dict[str, set[int]] = {}
    for name, (negative, positive) in LEXICONS.items():
        for label, word in read_lexicon(folder / name, negative, positive):
            seen.setdefault(word, set()).add(label)
    return [Row(next(iter(labels)), None, word, "lexicon") for word, labels in sorted(seen.items())
            if len(labels) == 1]


def load_rows(shared: Path = SHARED_DIR, folder: Path = complaints.COMPLAINTS_DIR,
              lexicons: Path | None = None) -> list[Row]:
    """Every source's rows, train and held-out alike (filter on `held`)."""
    return [*corpus_rows(), *shared_rows(shared), *complaint_rows(folder), *headline_rows(),
            *lexicon_rows(lexicons)]


def split(rows: Sequence[Row]) -> tuple[list[Row], list[Row]]:
    """Return (training rows, held-out rows)."""
    return [r for r in rows if not r.held], [r for r in rows if r.held]
