"""Analysis stage, sentiment: normalised post text → negativity 0–1 and a `negative` flag.

A char-n-gram TF-IDF logistic regression exported to numpy; SnowNLP kept as a baseline.
"""

from __future__ import annotations

import math
import operator
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from yuqing.analysis.text import EMO_NEG, EMO_POS, normalize

MODEL_PATH = Path(__file__).resolve().parent / "data" / "sentiment.npz"
MAX_N = 3
FORMAT = 1

# Features are character n-grams of a "feature string": lower-cased, spaces dropped,
# every number → "0" (so "致3死12伤" and "致2死5伤" share n-grams) and each sentiment
# placeholder → one private-use char. One char per unit lets n-grams be plain slices.
_NUM_RE = re.compile(r"\d+(?:\.\d+)?")
_PLACEHOLDER_CHARS = {EMO_NEG.lower(): "\ue000", EMO_POS.lower(): "\ue001"}


def feature_string(text: str) -> str:
    """Return normalised text in the form the n-grams are cut from."""
    s = text.lower()
    if "emo" in s:
        for word, char in _PLACEHOLDER_CHARS.items():
            s = s.replace(word, char)
    return _NUM_RE.sub("0", s).replace(" ", "")


def text_ngrams(text: str, max_n: int = MAX_N) -> list[str]:
    """Return the char 1..max_n-grams of normalised text (the model's features)."""
    s = feature_string(text)
    grams = list(s)
    prev: Iterable[str] = s
    for n in range(2, max_n + 1):
        prev = list(map(operator.add, prev, s[n - 1 :]))  # (n-1)-gram + next char
        grams += prev
    return grams


class SentimentModel:
    """Logistic regression over L2-normalised binary char n-grams, Platt-calibrated."""

    def __init__(self, arrays: dict[str, Any]) -> None:
        vocab = bytes(arrays["vocab"]).decode("utf-8").split("\n")
        self.version = str(arrays["MODEL_VERSION"])
        self.max_n = int(arrays["max_n"])
        self.threshold = float(arrays["threshold"])
        self._intercept = float(arrays["intercept"])
        self._platt = (float(arrays["platt"][0]), float(arrays["platt"][1]))
        # A plain dict: a post touches ~150 features, where Python lookups beat numpy's
        # per-call overhead.
        self._weights: dict[str, float] = dict(zip(vocab, arrays["coef"].tolist(), strict=True))

    @classmethod
    def load(cls, path: str | Path | None = None) -> SentimentModel:
        """Load a model file written by analysis.train_sentiment."""
        with np.load(path or MODEL_PATH, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
        if int(arrays["format"]) != FORMAT:
            raise ValueError(f"unsupported sentiment model format {arrays['format']}")
        return cls(arrays)

    def __len__(self) -> int:
        """Return the number of features."""
        return len(self._weights)

    def decision(self, text: str) -> float:
        """Return the raw linear score of normalised text."""
        # Weights are never 0 (pack_model drops those), so filter(None) keeps every hit.
        hits = list(filter(None, map(self._weights.get, set(text_ngrams(text, self.max_n)))))
        if not hits:
            return self._intercept
        return sum(hits) / math.sqrt(len(hits)) + self._intercept

    def score(self, text: str, *, normalized: bool = False) -> float:
        """Return negativity 0–1 (calibrated probability that the post is negative)."""
        raw = self.decision(text if normalized else normalize(text))
        z = self._platt[0] * raw + self._platt[1]
        return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0

    def score_many(self, texts: Iterable[str], *, normalized: bool = False) -> list[float]:
        """Return negativity for each text."""
        return [self.score(t, normalized=normalized) for t in texts]

    def is_negative(self, score: float, threshold: float | None = None) -> bool:
        """Return whether a negativity score crosses the (calibrated) threshold."""
        return score >= (self.threshold if threshold is None else threshold)


class SnowNLPBaseline:
    """SnowNLP's default shopping-review model: negativity = 1 − sentiments."""

    version = "snownlp-default"
    threshold = 0.5

    def score(self, text: str, *, normalized: bool = False) -> float:
        """Return 1 − SnowNLP positivity."""
        from snownlp import SnowNLP

        text = text if normalized else normalize(text)
        return 1.0 - float(SnowNLP(text).sentiments) if text else 0.5

    def score_many(self, texts: Iterable[str], *, normalized: bool = False) -> list[float]:
        """Return negativity for each text."""
        return [self.score(t, normalized=normalized) for t in texts]

    def is_negative(self, score: float, threshold: float | None = None) -> bool:
        """Return whether a negativity score crosses the threshold (0.5 by default)."""
        return score >= (self.threshold if threshold is None else threshold)


_lock = threading.Lock()
_default: list[SentimentModel] = []


def get_model() -> SentimentModel:
    """Return the shipped model, loaded once per process on first use."""
    if not _default:
        with _lock:
            if not _default:
                _default.append(SentimentModel.load())
    return _default[0]


def score(text: str) -> float:
    """Return negativity 0–1 of one post with the shipped model."""
    return get_model().score(text)


def pack_model(
    weights: dict[str, float],
    intercept: float,
    platt: tuple[float, float],
    threshold: float,
    version: str,
) -> dict[str, np.ndarray]:
    """Return the arrays of a model file (used by the training script)."""
    coef = np.array(list(weights.values()), dtype=np.float16)
    if (coef == 0).any() or any("\n" in gram for gram in weights):
        raise ValueError("weights must be non-zero and n-grams free of newlines")
    return {
        "format": np.array(FORMAT),
        "MODEL_VERSION": np.array(version),
        "max_n": np.array(MAX_N),
        "vocab": np.frombuffer("\n".join(weights).encode("utf-8"), dtype=np.uint8),
        "coef": coef,
        "intercept": np.array(intercept),
        "platt": np.array(platt, dtype=np.float64),
        "threshold": np.array(threshold),
    }
