"""Analysis stage, sentiment: normalised post text → negativity 0–1, `negative` flag, category odds.

A linear model over char 1–3-grams and jieba word 1–2-grams of the *masked* text (names replaced,
`analysis.masking`), exported to numpy. A post is read whole and clause by clause: its most
negative statement counts beside the whole, so background paragraphs do not dilute a complaint.
SnowNLP is kept as a baseline.
"""

from __future__ import annotations

import math
import operator
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from yuqing.analysis.masking import get_masker
from yuqing.analysis.text import EMO_NEG, EMO_POS, normalize

MODEL_PATH = Path(__file__).resolve().parent / "data" / "sentiment.npz"
MAX_N = 3
FORMAT = 2
MAX_CLAUSES = 40  # a long post is read clause by clause up to here (then only as a whole)
WORD = "\ue010"  # prefix that keeps word features apart from char n-grams

# Features are character n-grams of a "feature string": lower-cased, spaces dropped,
# every number → "0" (so "致3死12伤" and "致2死5伤" share n-grams) and each sentiment
# placeholder → one private-use char. One char per unit lets n-grams be plain slices.
_NUM_RE = re.compile(r"\d+(?:\.\d+)?")
_PLACEHOLDER_CHARS = {EMO_NEG.lower(): "\ue000", EMO_POS.lower(): "\ue001"}
_CLAUSE_END = frozenset("。！？!?；;\n")
_SKIP_WORD = frozenset(" ，,、：:“”\"'（）()《》【】[]…—-·")


def feature_string(text: str) -> str:
    """Return text in the form the char n-grams are cut from."""
    s = text.lower()
    if "emo" in s:
        for word, char in _PLACEHOLDER_CHARS.items():
            s = s.replace(word, char)
    return _NUM_RE.sub("0", s).replace(" ", "")


def text_ngrams(text: str, max_n: int = MAX_N) -> list[str]:
    """Return the char 1..max_n-grams of a text's feature string."""
    s = feature_string(text)
    grams = list(s)
    prev: Iterable[str] = s
    for n in range(2, max_n + 1):
        prev = list(map(operator.add, prev, s[n - 1 :]))  # (n-1)-gram + next char
        grams += prev
    return grams


def clause_features(words: Sequence[str], max_n: int = MAX_N) -> set[str]:
    """Return the features of one clause (masked jieba words): char n-grams, words, word pairs."""
    grams = set(text_ngrams("".join(words), max_n))
    kept = [feature_string(w) for w in words if w not in _SKIP_WORD]
    kept = [w for w in kept if w]
    grams.update(WORD + w for w in kept)
    grams.update(map(f"{WORD}{{}} {{}}".format, kept, kept[1:]))
    return grams


def split_clauses(words: Sequence[str]) -> list[list[str]]:
    """Split masked words into clauses, each ending with its own 。！？ (a question stays one)."""
    clauses: list[list[str]] = [[]]
    for word in words:
        clauses[-1].append(word)
        if word in _CLAUSE_END:
            clauses.append([])
    return [c for c in clauses if any(w not in _CLAUSE_END and not w.isspace() for w in c)]


def post_features(text: str, terms: Iterable[str] = (), max_n: int = MAX_N) -> list[set[str]]:
    """Return the feature sets of the clauses of normalised text, names masked (first MAX_CLAUSES)."""
    clauses = split_clauses(get_masker(terms).tokens(text))
    return [clause_features(c, max_n) for c in clauses[:MAX_CLAUSES]]


@dataclass(frozen=True)
class Judgement:
    """What the model concludes about one post: negativity 0–1 and each category's probability."""

    negativity: float
    categories: dict[str, float]


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0


class SentimentModel:
    """Linear scores over L2-normalised binary features, whole post and worst clause, calibrated."""

    def __init__(self, arrays: dict[str, Any]) -> None:
        self.version = str(arrays["MODEL_VERSION"])
        self.max_n = int(arrays["max_n"])
        self.threshold = float(arrays["threshold"])
        self.category_ids: list[str] = str(arrays["categories"]).split(",")
        vocab = bytes(arrays["vocab"]).decode("utf-8").split("\n")
        self._index: dict[str, int] = dict(zip(vocab, range(len(vocab)), strict=True))
        del vocab  # the list would double the peak memory of loading
        coef = arrays["coef"]
        # A plain list for the negativity column: a post touches a few hundred features, where
        # Python lookups beat numpy's per-call overhead; numpy (float16) only for the category block.
        self._neg: list[float] = coef[:, 0].tolist()
        self._cat = coef[:, 1:]
        self._intercepts = np.asarray(arrays["intercepts"], dtype=np.float64)
        self._combine = tuple(float(v) for v in arrays["combine"])  # whole, worst clause, bias
        # Shares of a post's title and of its most category-telling clause in its category odds
        # (0 in files written before they were learned).
        self.title_share = float(arrays["title_share"]) if "title_share" in arrays else 0.0
        self.clause_share = float(arrays["clause_share"]) if "clause_share" in arrays else 0.0

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
        return len(self._index)

    def _ids(self, features: set[str]) -> list[int]:
        get = self._index.get
        return [i for i in map(get, features) if i is not None]

    def _decision(self, ids: list[int]) -> float:
        neg = self._neg
        total = sum([neg[i] for i in ids])
        return (total / math.sqrt(len(ids)) if ids else 0.0) + float(self._intercepts[0])

    def decisions(self, clauses: list[set[str]]) -> tuple[float, float]:
        """Return the raw scores (whole post, most negative clause) of a post's clause features."""
        per_clause = [self._ids(c) for c in clauses]
        whole = sorted(set().union(*per_clause)) if len(per_clause) > 1 else (per_clause or [[]])[0]
        d_whole = self._decision(whole)
        worst = max(map(self._decision, per_clause)) if len(per_clause) > 1 else d_whole
        return d_whole, worst

    def judge(self, text: str, *, normalized: bool = False, terms: Iterable[str] = (),
              categories: bool = True) -> Judgement:
        """Return negativity and (unless `categories` is False) the category probabilities."""
        clauses = post_features(text if normalized else normalize(text), terms, self.max_n)
        d_whole, worst = self.decisions(clauses)
        a, b, c = self._combine
        negativity = _sigmoid(a * d_whole + b * worst + c)
        if not categories:
            return Judgement(negativity, {})
        z = self._category_logits(self._ids(set().union(*clauses)) if clauses else [])
        if self.clause_share and len(clauses) > 1:
            z = blend_category_logits(z, None, [self._category_logits(self._ids(c)) for c in clauses],
                                      0.0, self.clause_share)
        odds = np.exp(z - z.max())
        return Judgement(negativity, dict(zip(self.category_ids, (odds / odds.sum()).tolist(), strict=True)))

    def _category_logits(self, ids: list[int]) -> np.ndarray:
        """Return the category logits (intercepts included) of one set of feature ids."""
        raw = (self._cat[ids].sum(axis=0, dtype=np.float64) / math.sqrt(len(ids)) if ids
               else np.zeros(self._cat.shape[1]))
        return raw + self._intercepts[1:]

    def category_odds(self, text: str, title: str = "", *, normalized: bool = False,
                      terms: Iterable[str] = ()) -> dict[str, float]:
        """Return a post's category probabilities: read whole, by its most telling clause and by its title.

        `text` is the whole post (title and body), `title` its title ("" when there is none). The
        title names what the post is about and one clause often says what kind of complaint it is;
        the rest adds background that dilutes both. The blend is geometric
        (`blend_category_logits`): `title_share` for the title, `clause_share` for the clause.
        """
        clauses = post_features(text if normalized else normalize(text), terms, self.max_n)
        per_clause = [self._ids(c) for c in clauses]
        whole = self._category_logits(sorted(set().union(*per_clause)) if per_clause else [])
        alone = None
        if title.strip() and self.title_share:
            title_clauses = post_features(title if normalized else normalize(title), terms, self.max_n)
            alone = self._category_logits(self._ids(set().union(*title_clauses)) if title_clauses else [])
        clause_logits = [self._category_logits(ids) for ids in per_clause] if self.clause_share else []
        z = blend_category_logits(whole, alone, clause_logits, self.title_share, self.clause_share)
        odds = np.exp(z - z.max())
        return dict(zip(self.category_ids, (odds / odds.sum()).tolist(), strict=True))

    def score(self, text: str, *, normalized: bool = False, terms: Iterable[str] = ()) -> float:
        """Return negativity 0–1 (calibrated probability that the post is negative)."""
        return self.judge(text, normalized=normalized, terms=terms, categories=False).negativity

    def score_many(self, texts: Iterable[str], *, normalized: bool = False,
                   terms: Iterable[str] = ()) -> list[float]:
        """Return negativity for each text."""
        return [self.score(t, normalized=normalized, terms=terms) for t in texts]

    def is_negative(self, score: float, threshold: float | None = None) -> bool:
        """Return whether a negativity score crosses the (calibrated) threshold."""
        return score >= (self.threshold if threshold is None else threshold)


class SnowNLPBaseline:
    """SnowNLP's default shopping-review model: negativity = 1 − sentiments."""

    version = "snownlp-default"
    threshold = 0.5

    def score(self, text: str, *, normalized: bool = False, terms: Iterable[str] = ()) -> float:
        """Return 1 − SnowNLP positivity (`terms` is ignored: SnowNLP reads names too)."""
        from snownlp import SnowNLP

        text = text if normalized else normalize(text)
        return 1.0 - float(SnowNLP(text).sentiments) if text else 0.5

    def score_many(self, texts: Iterable[str], *, normalized: bool = False,
                   terms: Iterable[str] = ()) -> list[float]:
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


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def blend_category_logits(whole: np.ndarray, title: np.ndarray | None, clauses: Sequence[np.ndarray] | np.ndarray,
                          title_share: float, clause_share: float) -> np.ndarray:
    """Return a post's category log-odds: the whole post, its title and its most telling clause blended.

    Each input is a vector of category logits (the first category is the default one, `problem`);
    `title` is None for a post without a title (its share then goes to the whole post). The most
    telling clause is the one that says a category other than the default most surely: misconduct
    or an accident often sits in one clause of a long message whose background reads as a plain
    problem. The blend is geometric (log-probabilities weighted by the shares). Shared by the
    run-time model and the training recipe's cross-validation, so both blend alike.
    """
    logs = _log_softmax(np.asarray(whole, dtype=np.float64))
    out = logs * (1.0 - clause_share - (title_share if title is not None else 0.0))
    if title is not None:
        out = out + title_share * _log_softmax(np.asarray(title, dtype=np.float64))
    if clause_share:
        per_clause = _log_softmax(np.asarray(clauses, dtype=np.float64).reshape(-1, len(logs)))
        telling = per_clause[int(per_clause[:, 1:].max(axis=1).argmax())] if len(per_clause) else logs
        out = out + clause_share * telling
    return out


def pack_model(vocab: Sequence[str], coef: np.ndarray, intercepts: Sequence[float],
               combine: tuple[float, float, float], threshold: float, categories: Sequence[str],
               version: str, title_share: float = 0.0, clause_share: float = 0.0) -> dict[str, np.ndarray]:
    """Return the arrays of a model file (used by the training script).

    `coef` has one row per vocab feature: column 0 negativity, then one column per category;
    `title_share` is the title's weight in a post's category odds (`SentimentModel.category_odds`),
    `clause_share` that of its most category-telling clause (`blend_category_logits`).
    """
    if any("\n" in gram for gram in vocab) or coef.shape != (len(vocab), 1 + len(categories)):
        raise ValueError("n-grams must be free of newlines and coef must be features × (1 + categories)")
    return {
        "format": np.array(FORMAT),
        "MODEL_VERSION": np.array(version),
        "max_n": np.array(MAX_N),
        "vocab": np.frombuffer("\n".join(vocab).encode("utf-8"), dtype=np.uint8),
        "coef": coef.astype(np.float16),
        "intercepts": np.asarray(intercepts, dtype=np.float64),
        "combine": np.asarray(combine, dtype=np.float64),
        "threshold": np.array(threshold),
        "categories": np.array(",".join(categories)),
        "title_share": np.array(title_share),
        "clause_share": np.array(clause_share),
    }
