"""The previous shipped model (format 1, commit a5c77ca), loadable for the benchmark only.

`git show a5c77ca:analysis/data/sentiment.npz` into a temporary file → a scorer with the old
char 1–3-gram logistic regression, so the new model is compared with it in the same run.
"""

from __future__ import annotations

import math
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from yuqing.analysis.sentiment import text_ngrams
from yuqing.analysis.text import normalize

COMMIT = "a5c77ca"


class PreviousModel:
    """Logistic regression over L2-normalised binary char n-grams, Platt-calibrated (format 1)."""

    def __init__(self, path: Path) -> None:
        with np.load(path, allow_pickle=False) as npz:
            vocab = bytes(npz["vocab"]).decode("utf-8").split("\n")
            self.version = str(npz["MODEL_VERSION"])
            self.max_n = int(npz["max_n"])
            self.threshold = float(npz["threshold"])
            self._intercept = float(npz["intercept"])
            self._platt = (float(npz["platt"][0]), float(npz["platt"][1]))
            self._weights = dict(zip(vocab, npz["coef"].tolist(), strict=True))

    def score(self, text: str, *, normalized: bool = False, terms: Iterable[str] = ()) -> float:
        """Return negativity 0–1 as the previous model did (names are not masked)."""
        grams = set(text_ngrams(text if normalized else normalize(text), self.max_n))
        hits = [w for w in map(self._weights.get, grams) if w]
        raw = (sum(hits) / math.sqrt(len(hits)) if hits else 0.0) + self._intercept
        z = self._platt[0] * raw + self._platt[1]
        return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0

    def is_negative(self, score: float, threshold: float | None = None) -> bool:
        """Return whether a score crosses the previous model's threshold."""
        return score >= (self.threshold if threshold is None else threshold)


def load_previous(repo: Path, commit: str = COMMIT) -> PreviousModel | None:
    """Return the model file of `commit` from git history, or None outside a git checkout."""
    try:
        blob = subprocess.run(["git", "-C", str(repo), "show", f"{commit}:analysis/data/sentiment.npz"],
                              capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    with tempfile.NamedTemporaryFile(suffix=".npz") as handle:
        handle.write(blob)
        handle.flush()
        return PreviousModel(Path(handle.name))
