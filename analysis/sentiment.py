"""Analysis stage, sentiment: normalised post text → negativity 0–1 and a `negative` flag.

A char-n-gram TF-IDF logistic regression exported to numpy; SnowNLP kept as a baseline.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from analysis.text import normalize

MODEL_PATH = Path(__file__).resolve().parent / "data" / "sentiment.npz"
MAX_N = 3
FORMAT = 1

# Units are Chinese chars, punctuation, whole ASCII words and numbers (all numbers
# become "0", so "致3死12伤" and "致2死5伤" share n-grams).
_UNIT_RE = re.compile(r"[a-z]+|\d+(?:\.\d+)?|\S")
_DIGIT_START = frozenset("0123456789")


def text_units(text: str) -> list[str]:
    """Split normalised text into featuriser units (chars, ASCII words, numbers)."""
    units = _UNIT_RE.findall(text.lower())
    return ["0" if u[0] in _DIGIT_START else u for u in units]


def text_ngrams(text: str, max_n: int = MAX_N) -> list[str]:
    """Return the unit 1..max_n-grams of normalised text (the model's features)."""
    units = text_units(text)
    grams = list(units)
    for n in range(2, max_n + 1):
        grams.extend("".join(units[i : i + n]) for i in range(len(units) - n + 1))
    return grams


class SentimentModel:
    """Linear model over sublinear TF-IDF n-grams, Platt-calibrated to a probability."""

    def __init__(self, arrays: dict[str, Any]) -> None:
        vocab = bytes(arrays["vocab"]).decode("utf-8").split("\n")
        self.version = str(arrays["MODEL_VERSION"])
        self.max_n = int(arrays["max_n"])
        self.threshold = float(arrays["threshold"])
        self._intercept = float(arrays["intercept"])
        self._platt = (float(arrays["platt"][0]), float(arrays["platt"][1]))
        # Plain lists and one dict: per-post scoring touches ~200 features, where
        # Python lookups beat numpy's per-call overhead.
        idf = arrays["idf"].astype(np.float64).tolist()
        coef = arrays["coef"].astype(np.float64).tolist()
        self._features: dict[str, tuple[float, float]] = dict(zip(vocab, zip(idf, coef)))

    @classmethod
    def load(cls, path: str | Path | None = None) -> SentimentModel:
        """Load a model file written by analysis.train_sentiment."""
        with np.load(path or MODEL_PATH, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
        if int(arrays["format"]) != FORMAT:
            raise ValueError(f"unsupported sentiment model format {arrays['format']}")
        return cls(arrays)

    def decision(self, text: str) -> float:
        """Return the raw linear score of normalised text."""
        counts: dict[str, int] = {}
        for gram in text_ngrams(text, self.max_n):
            counts[gram] = counts.get(gram, 0) + 1
        features = self._features
        dot = norm = 0.0
        for gram, tf in counts.items():
            hit = features.get(gram)
            if hit is not None:
                value = (1.0 + math.log(tf)) * hit[0] if tf > 1 else hit[0]
                dot += value * hit[1]
                norm += value * value
        return dot / math.sqrt(norm) + self._intercept if norm else self._intercept

    def score(self, text: str, *, normalized: bool = False) -> float:
        """Return negativity 0–1 (calibrated probability that the post is negative)."""
        raw = self.decision(text if normalized else normalize(text))
        a, b = self._platt
        z = a * raw + b
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
    vocab: Sequence[str],
    idf: np.ndarray,
    coef: np.ndarray,
    intercept: float,
    platt: tuple[float, float],
    threshold: float,
    version: str,
) -> dict[str, np.ndarray]:
    """Return the arrays of a model file (used by the training script)."""
    if any("\n" in v for v in vocab):
        raise ValueError("vocabulary entries must not contain newlines")
    return {
        "format": np.array(FORMAT),
        "MODEL_VERSION": np.array(version),
        "max_n": np.array(MAX_N),
        "vocab": np.frombuffer("\n".join(vocab).encode("utf-8"), dtype=np.uint8),
        "idf": idf.astype(np.float16),
        "coef": coef.astype(np.float16),
        "intercept": np.array(intercept),
        "platt": np.array(platt, dtype=np.float64),
        "threshold": np.array(threshold),
    }
