"""Analysis stage, one post: title + body → negativity, negative, category, schemes, keywords.

No database: `Analyzer(settings)` compiles the schemes and category rules once, registers the
user dictionary with jieba, loads the sentiment scorer named by `analysis.model`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from yuqing.analysis.categories import Categorizer
from yuqing.analysis.schemes import Scheme, compile_schemes, match_schemes, scheme_words, schemes_fingerprint
from yuqing.analysis.text import fold_text, normalize
from yuqing.analysis.tokens import read_user_dictionary, register_words, top_keywords
from yuqing.config.errors import AnalysisError
from yuqing.config.settings import Settings

KEYWORDS = 5
SENTIMENT_CHARS = 2000  # negativity is read from the title and the opening of the body


class SentimentScorer(Protocol):
    """What the analysis stage needs of a sentiment model (the shipped one, or SnowNLP)."""

    version: str

    def score_many(self, texts: Iterable[str], *, normalized: bool = False,
                   terms: Iterable[str] = ()) -> list[float]:
        """Negativity 0–1 of each text (higher = more negative); `terms` are names to mask."""
        ...

    def is_negative(self, score: float, threshold: float | None = None) -> bool:
        """Whether a score is negative at `threshold` (None: the model's own)."""
        ...


def load_scorer(settings: Settings) -> SentimentScorer:
    """The scorer `analysis.model` names; AnalysisError when the model file is unusable."""
    from yuqing.analysis import sentiment

    if settings.analysis.model == "snownlp":
        return sentiment.SnowNLPBaseline()
    try:
        return sentiment.get_model()
    except FileNotFoundError as exc:
        raise AnalysisError(
            f"sentiment model file {sentiment.MODEL_PATH} missing; run `python -m yuqing.analysis.train_sentiment`"
            ' (or set analysis.model = "snownlp" to use the baseline)'
        ) from exc
    except (OSError, ValueError, KeyError) as exc:
        raise AnalysisError(
            f"sentiment model file {sentiment.MODEL_PATH} is unusable ({exc}); "
            "run `python -m yuqing.analysis.train_sentiment` to rebuild it"
        ) from exc


@dataclass(frozen=True)
class AnalysisResult:
    """What the analysis stage concludes about one post."""

    negativity: float
    negative: bool
    category: str | None
    schemes: list[str]
    keywords: list[str]
    relevant: bool
    guidance: str | None


def join_text(title: str, body: str) -> str:
    """Title and body as one text, without the title twice when the body repeats it."""
    title, body = title.strip(), body.strip()
    if not title or body.startswith(title):
        return body
    return f"{title}\n{body}" if body else title


class Analyzer:
    """Analyses posts with the configured schemes, categories and sentiment scorer."""

    def __init__(self, settings: Settings, scorer: SentimentScorer | None = None) -> None:
        self.settings = settings
        self.schemes: list[Scheme] = compile_schemes(settings.schemes)
        self.categorizer = Categorizer.from_settings(settings.analysis)
        self.scorer = scorer if scorer is not None else load_scorer(settings)
        self.threshold = settings.tiers.negative_threshold
        user_words = [*read_user_dictionary(), *settings.analysis.user_words,
                      *scheme_words(self.schemes), *self.categorizer.words()]
        register_words(user_words)
        # Names the office configured (scheme terms, its own words) are masked before scoring:
        # a verdict must not depend on whom a post names.
        self.terms = tuple(dict.fromkeys([*settings.analysis.user_words, *scheme_words(self.schemes)]))
        self.version = analysis_version(self.scorer.version, self.schemes, self.categorizer,
                                        self.threshold, user_words)

    def analyze(self, title: str, body: str = "") -> AnalysisResult:
        """Analyse one post."""
        return self.analyze_many([(title, body)])[0]

    def analyze_many(self, posts: Sequence[tuple[str, str]]) -> list[AnalysisResult]:
        """Analyse (title, body) pairs, scoring sentiment in one batch."""
        raw = [join_text(title, body) for title, body in posts]
        normalized = [normalize(text) for text in raw]
        titles = [normalize(title) for title, _ in posts]
        scores = self._score([t[:SENTIMENT_CHARS] for t in normalized])
        return [self._conclude(*post) for post in zip(raw, normalized, titles, scores, strict=True)]

    def _odds(self, normalized: str, title: str) -> dict[str, float] | None:
        """The trained model's category probabilities of a negative post, its title read apart (None for SnowNLP)."""
        odds = getattr(self.scorer, "category_odds", None)
        if odds is None or not normalized:
            return None
        return odds(normalized[:SENTIMENT_CHARS], title, normalized=True, terms=self.terms)

    def _score(self, texts: list[str]) -> list[float]:
        """Negativity of each normalised text; an empty text says nothing negative (0.0)."""
        said = [t for t in texts if t]
        scores = iter(self.scorer.score_many(said, normalized=True, terms=self.terms) if said else [])
        return [next(scores) if t else 0.0 for t in texts]

    def _conclude(self, raw: str, normalized: str, title: str, score: float) -> AnalysisResult:
        folded = fold_text(raw)  # schemes also see @accounts and links that normalize() drops
        matched = match_schemes(self.schemes, folded)
        negative = self.scorer.is_negative(score, self.threshold)
        category = self.categorizer.categorize(folded, negative, self._odds(normalized, title) if negative else None)
        return AnalysisResult(
            negativity=round(score, 4),
            negative=negative,
            category=category,
            schemes=matched,
            keywords=top_keywords(normalized, KEYWORDS),
            relevant=bool(matched) or not self.schemes,
            guidance=self.settings.analysis.guidance(category) if category else None,
        )


def analysis_version(model_version: str, schemes: list[Scheme], categorizer: Categorizer,
                     threshold: float | None, user_words: list[str]) -> str:
    """`<model version>+<hash of everything else>`; stored analyses with another are redone."""
    rest = "\0".join([schemes_fingerprint(schemes), categorizer.fingerprint, repr(threshold),
                      *user_words])
    return f"{model_version[:51]}+{hashlib.sha256(rest.encode()).hexdigest()[:12]}"
