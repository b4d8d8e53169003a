"""Analysis stage, scheme preview: stored posts of the last days → what each scheme would match.

Reads only the database (no network): counts, share, negatives and the newest samples per scheme.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from yuqing.analysis.analyzer import SENTIMENT_CHARS, Analyzer, join_text
from yuqing.analysis.post_store import RecentPost, list_recent_posts
from yuqing.analysis.schemes import Scheme
from yuqing.analysis.text import fold_text, normalize


@dataclass
class Sample:
    """One matched post shown in a preview."""

    id: int
    site: str
    title: str
    url: str
    first_seen_at: datetime
    negativity: float | None = None
    negative: bool | None = None


@dataclass
class SchemePreview:
    """What one scheme matched among the stored posts of the window."""

    scheme: str
    query: str
    posts: int = 0
    matched: int = 0
    negative: int = 0
    samples: list[Sample] = field(default_factory=list)

    @property
    def share(self) -> float:
        """Matched posts as a share of all posts in the window."""
        return self.matched / self.posts if self.posts else 0.0


def preview_schemes(session: Session, analyzer: Analyzer, schemes: list[Scheme], *, since: datetime,
                    samples: int = 8) -> list[SchemePreview]:
    """Run schemes over the posts first seen since `since`; newest matches become samples."""
    previews = [SchemePreview(s.name, s.query.source) for s in schemes]
    matched: list[tuple[RecentPost, list[SchemePreview]]] = []
    for post in list_recent_posts(session, since):
        folded = fold_text(join_text(post.title, post.body))
        hits = [p for p, s in zip(previews, schemes, strict=True) if s.query.matches(folded)]
        for preview in previews:
            preview.posts += 1
        for preview in hits:
            preview.matched += 1
            if len(preview.samples) < samples:
                preview.samples.append(Sample(post.id, post.site, post.title, post.url, post.first_seen_at))
        if hits:
            matched.append((post, hits))
    for (post, hits), score in zip(matched, _negativities(analyzer, [p for p, _ in matched]), strict=True):
        negative = analyzer.scorer.is_negative(score, analyzer.threshold)
        for preview in hits:
            preview.negative += negative
            for sample in preview.samples:
                if sample.id == post.id:
                    sample.negativity, sample.negative = round(score, 4), negative
    return previews


def _negativities(analyzer: Analyzer, posts: list[RecentPost]) -> list[float]:
    """Stored negativity where the same model made it; the current model scores the rest."""
    model = analyzer.scorer.version + "+"
    fresh = [p for p in posts if p.negativity is None or not (p.model_version or "").startswith(model)]
    texts = [normalize(join_text(p.title, p.body))[:SENTIMENT_CHARS] for p in fresh]
    scored = dict(zip([p.id for p in fresh], analyzer.scorer.score_many(texts, normalized=True, terms=analyzer.terms), strict=True))
    return [scored[p.id] if p.id in scored else float(p.negativity or 0.0) for p in posts]
