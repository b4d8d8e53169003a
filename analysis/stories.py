"""Analysis stage, story assignment: new posts' statements + LSH band hits → the story each joins.

Pure. Candidates come from band hashes shared with earlier posts inside the window (stored
ones looked up by the job, and this batch's own); each is verified by containment, and a
post joins the story of its best candidate or starts a new one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

import numpy as np

from analysis.similarity import (
    BandLayout,
    band_hash_matrix,
    containment,
    estimate_containment,
    minhash_signatures,
    shingle_counts,
)

MAX_STORIES = 6  # candidate stories verified per new post, those sharing the most bands first
POSTS_PER_STORY = 2  # and in each, the posts sharing the most bands
SCREEN = 0.5  # verify exactly only candidates whose estimated containment reaches half the bar

BandKey = tuple[int, int]  # (band number, signed 64-bit band hash)


class BandHit(NamedTuple):
    """An earlier post with this band hash, its story, and when it was seen (None: the store
    already restricted it to the batch's window)."""

    post_id: int
    story_id: int
    at: datetime | None


@dataclass(frozen=True)
class Sketch:
    """A post's MinHash signature (uint32 values) and shingle count."""

    signature: np.ndarray
    size: int


@dataclass(frozen=True)
class Incoming:
    """A post to assign: its id, folded statement text, when it was first seen, its sketch."""

    post_id: int
    text: str
    at: datetime
    sketch: Sketch


@dataclass(frozen=True)
class Assignment:
    """Where one post went: an existing story id, or a negative placeholder for a story it founded."""

    post_id: int
    story_id: int
    similarity: float
    founded: bool
    bands: list[BandKey] = field(default_factory=list)


def compute_bands(texts: Sequence[str], layout: BandLayout) -> tuple[list[list[BandKey]], list[Sketch]]:
    """The LSH band keys (none for an empty text) and the sketch of each folded text."""
    signatures = minhash_signatures(texts)
    matrix = band_hash_matrix(signatures, layout).tolist()
    bands = [list(enumerate(row)) if text else [] for text, row in zip(texts, matrix, strict=True)]
    sketches = [Sketch(sig.astype(np.uint32), size)
                for sig, size in zip(signatures, shingle_counts(texts), strict=True)]
    return bands, sketches


@dataclass
class Assigner:
    """Assigns posts one by one against stored band hits plus the bands of posts assigned before.

    Short-listed candidates are screened by containment estimated from their sketches
    (`load_sketches`); only those that may reach the threshold have their folded text read
    (`load_texts`) and compared exactly.
    """

    stored: Mapping[BandKey, Sequence[BandHit]]
    load_sketches: Callable[[list[int]], dict[int, Sketch]]
    load_texts: Callable[[list[int]], dict[int, str]]
    min_containment: float
    window: timedelta
    texts: dict[int, str] = field(default_factory=dict)
    sketches: dict[int, Sketch] = field(default_factory=dict)
    local: dict[BandKey, list[BandHit]] = field(default_factory=lambda: defaultdict(list))
    next_placeholder: int = -1

    def shortlist(self, post: Incoming, bands: list[BandKey]) -> list[BandHit]:
        """The earlier posts worth verifying: grouped by story, the stories sharing the most bands
        (ties: the newest post), and in each its posts sharing the most bands."""
        counts: dict[int, int] = {}
        hits: dict[int, BandHit] = {}
        stored, local = self.stored.get, self.local.get
        for key in bands:
            for hit in stored(key) or ():  # already restricted to the window by the store
                counts[hit.post_id] = counts.get(hit.post_id, 0) + 1
                hits[hit.post_id] = hit
            for hit in local(key) or ():
                if abs(hit.at - post.at) <= self.window:  # type: ignore[operator]
                    counts[hit.post_id] = counts.get(hit.post_id, 0) + 1
                    hits[hit.post_id] = hit
        counts.pop(post.post_id, None)
        if not counts:
            return []
        stories: dict[int, list[int]] = defaultdict(list)
        for post_id in counts:
            stories[hits[post_id].story_id].append(post_id)
        ranked = sorted(stories.values(), key=lambda ids: (sum(counts[i] for i in ids), max(ids)), reverse=True)
        chosen: list[BandHit] = []
        for ids in ranked[:MAX_STORIES]:
            ids.sort(key=lambda i: (counts[i], i), reverse=True)
            chosen.extend(hits[i] for i in ids[:POSTS_PER_STORY])
        return chosen

    def screen(self, post: Incoming, shortlist: list[BandHit]) -> list[BandHit]:
        """The short-listed posts whose estimated containment leaves a chance to pass."""
        missing = [hit.post_id for hit in shortlist if hit.post_id not in self.sketches]
        if missing:
            self.sketches.update(self.load_sketches(missing))
        bar = self.min_containment * SCREEN
        passed = []
        for hit in shortlist:
            other = self.sketches.get(hit.post_id)
            if other is not None and estimate_containment(
                post.sketch.signature, post.sketch.size, other.signature, other.size
            ) >= bar:
                passed.append(hit)
        return passed

    def assign(self, post: Incoming, bands: list[BandKey]) -> Assignment:
        """Join the story of the best-contained candidate, or found a new story."""
        best: tuple[float, int] | None = None
        candidates = self.screen(post, self.shortlist(post, bands))
        missing = [hit.post_id for hit in candidates if hit.post_id not in self.texts]
        if missing:
            self.texts.update(self.load_texts(missing))
        for hit in candidates:
            other = self.texts.get(hit.post_id)
            if other is None:
                continue
            score = containment(post.text, other)
            if score >= self.min_containment and (best is None or (score, -hit.story_id) > (best[0], -best[1])):
                best = (score, hit.story_id)
        self.texts[post.post_id] = post.text
        self.sketches[post.post_id] = post.sketch
        if best is None:
            story_id, score, founded = self.next_placeholder, 1.0, True
            self.next_placeholder -= 1
        else:
            (score, story_id), founded = best, False
        for key in bands:
            self.local[key].append(BandHit(post.post_id, story_id, post.at))
        return Assignment(post.post_id, story_id, round(score, 4), founded, bands)
