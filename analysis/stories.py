"""Analysis stage, story assignment: new posts' statements + LSH band hits → the story each joins.

Pure. Candidates come from band hashes shared with earlier posts inside the window (stored
ones looked up by the job, and this batch's own); each is verified by containment, and a
post joins the story of its best candidate or starts a new one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from analysis.similarity import BandLayout, band_hash_matrix, containment, minhash_signatures

MAX_CANDIDATES = 24  # posts verified per new post, those sharing the most bands first

BandKey = tuple[int, int]  # (band number, signed 64-bit band hash)


class BandHit(NamedTuple):
    """An earlier post with this band hash, its story, and when it was seen (None: the store
    already restricted it to the batch's window)."""

    post_id: int
    story_id: int
    at: datetime | None


@dataclass(frozen=True)
class Incoming:
    """A post to assign: its id, folded statement text and when it was first seen."""

    post_id: int
    text: str
    at: datetime


@dataclass(frozen=True)
class Assignment:
    """Where one post went: an existing story id, or a negative placeholder for a story it founded."""

    post_id: int
    story_id: int
    similarity: float
    founded: bool
    bands: list[BandKey] = field(default_factory=list)


def compute_bands(texts: Sequence[str], layout: BandLayout) -> list[list[BandKey]]:
    """The LSH band keys of each folded text (none for an empty text)."""
    matrix = band_hash_matrix(minhash_signatures(texts), layout).tolist()
    return [list(enumerate(row)) if text else [] for text, row in zip(texts, matrix, strict=True)]


@dataclass
class Assigner:
    """Assigns posts one by one against stored band hits plus the bands of posts assigned before."""

    stored: Mapping[BandKey, Sequence[BandHit]]
    texts: dict[int, str]
    min_containment: float
    window: timedelta
    local: dict[BandKey, list[BandHit]] = field(default_factory=lambda: defaultdict(list))
    next_placeholder: int = -1

    def candidates(self, post: Incoming, bands: list[BandKey]) -> list[BandHit]:
        """Earlier posts inside the window sharing a band, most shared bands first."""
        counts: dict[int, int] = {}
        hits: dict[int, BandHit] = {}
        for key in bands:
            for source in (self.stored.get(key), self.local.get(key)):
                for hit in source or ():
                    if hit.at is None or abs(hit.at - post.at) <= self.window:
                        counts[hit.post_id] = counts.get(hit.post_id, 0) + 1
                        hits[hit.post_id] = hit
        counts.pop(post.post_id, None)
        best = sorted(counts, key=counts.__getitem__, reverse=True)[:MAX_CANDIDATES]
        return [hits[pid] for pid in best]

    def assign(self, post: Incoming, bands: list[BandKey]) -> Assignment:
        """Join the story of the best-contained candidate, or found a new story."""
        best: tuple[float, int] | None = None
        for hit in self.candidates(post, bands):
            other = self.texts.get(hit.post_id)
            if other is None:
                continue
            score = containment(post.text, other)
            if score >= self.min_containment and (best is None or (score, -hit.story_id) > (best[0], -best[1])):
                best = (score, hit.story_id)
        self.texts[post.post_id] = post.text
        if best is None:
            story_id, score, founded = self.next_placeholder, 1.0, True
            self.next_placeholder -= 1
        else:
            (score, story_id), founded = best, False
        for key in bands:
            self.local[key].append(BandHit(post.post_id, story_id, post.at))
        return Assignment(post.post_id, story_id, round(score, 4), founded, bands)
