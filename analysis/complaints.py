"""Analysis stage, real text for training and the benchmark: shared complaints + our labels → examples.

Reads `../shared/data/complaints/` (citizens' messages and official replies; the rows are never
committed) and our labels in `bench/sentiment/` (ids only), and owns the held-out rule that
training and `bench/sentiment.py` share: a message, its title and its replies are held out when a
seeded hash of the message id falls in the held-out share; held-out rows are never trained on.
"""

from __future__ import annotations

import csv
import hashlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SEED = 20240601
HELD_OUT = 0.30
REPO = Path(__file__).resolve().parents[1]
LABELS_DIR = REPO / "bench" / "sentiment"
LABELS = LABELS_DIR / "complaints_labels.tsv"
SECOND_LABELS = LABELS_DIR / "complaints_labels_second.tsv"
# The shared data sits beside the repository; override with the variable.
_BESIDE_REPO = REPO.parent / "shared" / "data" / "complaints"
COMPLAINTS_DIR = Path(os.environ.get("YUQING_COMPLAINTS_DATA", str(_BESIDE_REPO)))
CATEGORIES = ("problem", "suggestion", "sensitive", "emergency", "rumour")


@dataclass(frozen=True)
class Label:
    """Our reading of one message: neg or not, its category (or None), and its title's label."""

    negative: bool
    category: str | None
    title_negative: bool


@dataclass(frozen=True)
class Example:
    """One labelled text: kind is message, title or reply; held marks the held-out part."""

    key: str
    kind: str
    negative: bool
    category: str | None
    text: str
    held: bool


def is_held_out(message_id: str, share: float = HELD_OUT, seed: int = SEED) -> bool:
    """Return whether a message (with its title and replies) belongs to the held-out part."""
    digest = hashlib.md5(f"{seed}:{message_id.strip()}".encode()).digest()
    return int.from_bytes(digest[:4], "big") < share * 2**32


def read_labels(path: Path = LABELS) -> dict[str, Label]:
    """Read `id, label, category, title_label` rows (`#` comments) into labels by message id."""
    labels: dict[str, Label] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if line.startswith("#") or len(parts) < 4 or parts[1] not in ("neg", "non"):
            continue
        category = parts[2] if parts[2] in CATEGORIES else None
        labels[parts[0]] = Label(parts[1] == "neg", category, parts[3].strip() == "neg")
    return labels


def _rows(path: Path) -> Iterator[dict[str, str]]:
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)


def message_text(title: str, details: str) -> str:
    """A message as a post: its title, then its body."""
    return f"{title.strip()}\n{details.strip()}".strip()


def load_examples(folder: Path = COMPLAINTS_DIR, labels: dict[str, Label] | None = None) -> list[Example]:
    """Return every labelled message and title, and every official reply (`non` by the guide)."""
    labels = read_labels() if labels is None else labels
    examples: list[Example] = []
    for row in _rows(folder / "messages.tsv"):
        label = labels.get(row["id"])
        if label is None:
            continue
        held = is_held_out(row["id"])
        examples.append(Example(row["id"], "message", label.negative, label.category,
                                message_text(row["title"], row["details"]), held))
        examples.append(Example(row["id"], "title", label.title_negative, label.category,
                                row["title"].strip(), held))
    for n, row in enumerate(_rows(folder / "replies.tsv")):
        if row["reply"].strip():
            examples.append(Example(f"{row['message_id']}/{n}", "reply", False, None, row["reply"].strip(),
                                    is_held_out(row["message_id"])))
    return examples


def cohen_kappa(first: list[str], second: list[str]) -> float:
    """Return Cohen's kappa of two label sequences of equal length."""
    n = len(first)
    if not n or n != len(second):
        raise ValueError("kappa needs two non-empty label lists of equal length")
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    kinds = set(first) | set(second)
    expected = sum((first.count(k) / n) * (second.count(k) / n) for k in kinds)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def agreement(first: Path = LABELS, second: Path = SECOND_LABELS) -> dict[str, dict[str, float]]:
    """Return kappa and raw agreement of label, category and title label on the doubly labelled ids."""
    one, two = read_labels(first), read_labels(second)
    ids = sorted(set(one) & set(two))
    fields = {
        "label": lambda lab: "neg" if lab.negative else "non",
        "category": lambda lab: lab.category or "-",
        "title": lambda lab: "neg" if lab.title_negative else "non",
    }
    figures: dict[str, dict[str, float]] = {}
    for name, get in fields.items():
        a, b = [get(one[i]) for i in ids], [get(two[i]) for i in ids]
        figures[name] = {"n": len(ids), "kappa": cohen_kappa(a, b),
                         "agreement": sum(x == y for x, y in zip(a, b, strict=True)) / len(ids)}
    return figures
