"""Analysis stage, training data: real THUCNews headlines read from where they were fetched.

THUCNews titles are not in this repository (the Tsinghua lab's research-use terms); only our
labels are (`bench/sentiment/headlines_labels.tsv`, keyed by file and 1-based line number). The
texts come from GitHub 649453932/Chinese-Text-Classification-Pytorch @ 6cb2681, files
`THUCNews/data/{dev,test}.txt` (`title<TAB>class id`), read from either a git directory holding
that commit (a mirror or clone) or a folder with the extracted `dev.txt` / `test.txt`.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

COMMIT = "6cb2681"
GIT_DIR = "THUCNews/data"
CLASSES = ("finance", "realty", "stocks", "education", "science",
           "society", "politics", "sports", "game", "entertainment")  # class.txt, by class id


def _is_git_dir(source: Path) -> bool:
    """Return whether `source` is a git directory (bare/mirror `.git` or a work tree's root)."""
    return (source / "HEAD").is_file() and (source / "objects").is_dir() or (source / ".git").exists()


def read_text(source: Path, name: str, commit: str = COMMIT) -> str:
    """Return the text of THUCNews file `name` (e.g. "dev.txt") from a git directory or a folder.

    A folder is read as `source/name` (or `source/THUCNews/data/name`); a git directory is read
    at `commit` (the labelled 6cb2681) with `git show`. Raises FileNotFoundError when neither
    has the file.
    """
    for path in (source / name, source / GIT_DIR / name):
        if path.is_file():
            return path.read_text(encoding="utf-8")
    if source.is_dir() and _is_git_dir(source):
        done = subprocess.run(["git", "-C", str(source), "show", f"{commit}:{GIT_DIR}/{name}"],
                              capture_output=True, check=False)
        if done.returncode == 0:
            return done.stdout.decode("utf-8")
    raise FileNotFoundError(f"THUCNews {name} not found in {source} (a folder or a git dir at {commit})")


def read_file(source: Path, name: str, commit: str = COMMIT) -> dict[int, tuple[str, int]]:
    """Return {1-based line number: (title, class id)} of one THUCNews file; bad lines are skipped."""
    rows: dict[int, tuple[str, int]] = {}
    for number, line in enumerate(read_text(source, name, commit).splitlines(), start=1):
        title, _, klass = line.rpartition("\t")
        if title and klass.strip().isdigit():
            rows[number] = (title.strip(), int(klass))
    return rows


@dataclass(frozen=True)
class HeadlineLabel:
    """One of our labels: THUCNews file, 1-based line, class name, `neg`/`non`, category or "-"."""

    file: str
    line: int
    klass: str
    label: str
    category: str


def read_labels(path: Path) -> list[HeadlineLabel]:
    """Read `file<TAB>line<TAB>class<TAB>label<TAB>category` rows; comments, header and bad rows skipped."""
    labels: list[HeadlineLabel] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        parts = raw.split("\t")
        if raw.startswith("#") or len(parts) != 5 or not parts[1].isdigit() or parts[3] not in ("neg", "non"):
            continue
        labels.append(HeadlineLabel(parts[0], int(parts[1]), parts[2], parts[3], parts[4]))
    return labels


def labelled_titles(source: Path, labels: list[HeadlineLabel],
                    commit: str = COMMIT) -> list[tuple[HeadlineLabel, str]]:
    """Pair each label with its title read from `source` (a git directory or a folder).

    Raises ValueError when a labelled line is missing or holds another class than the label
    records: the source is not the labelled version of the files, and its titles would be
    silently mislabelled.
    """
    files = {name: read_file(source, name, commit) for name in dict.fromkeys(label.file for label in labels)}
    pairs: list[tuple[HeadlineLabel, str]] = []
    for label in labels:
        title, klass = files[label.file].get(label.line, ("", -1))
        if not title or not 0 <= klass < len(CLASSES) or CLASSES[klass] != label.klass:
            raise ValueError(f"{source}: {label.file} line {label.line} is not the labelled {label.klass} headline")
        pairs.append((label, title))
    return pairs
