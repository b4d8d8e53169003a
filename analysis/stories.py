"""Analysis stage, story assignment: new posts' statements + LSH band hits → the story each joins.

Pure. Candidates are earlier posts sharing band hashes inside the window: stored ones,
counted per post by a `BandIndex` (`band_index.py`), and this batch's own; each is verified
by containment, and a post joins the story of its best candidate or starts a new one.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple, TypeVar

import numpy as np

from yuqing.analysis.band_index import Counted
from yuqing.analysis.similarity import (
    BandLayout,
    band_hash_matrix,
    containment,
    estimate_containment,
    minhash_signatures,
    shingle_counts,
)

MAX_STORIES = 6  # candidate stories verified per new post, those sharing the most bands first
POSTS_PER_STORY = 2  # and in each, the posts sharing the most bands (stored and this batch's each)
SCREEN = 0.5  # verify exactly only candidates whose estimated containment reaches half the bar

T = TypeVar("T")


class BandHit(NamedTuple):
    """A post of this batch with this band hash, its story, and when it was first seen."""

    post_id: int
    story_id: int
    at: datetime


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


def compute_bands(texts: Sequence[str], layout: BandLayout) -> tuple[np.ndarray, list[Sketch]]:
    """The LSH band hashes (texts × bands; meaningless for an empty text) and each text's sketch."""
    signatures = minhash_signatures(texts)
    sketches = [Sketch(sig.astype(np.uint32), size)
                for sig, size in zip(signatures, shingle_counts(texts), strict=True)]
    return band_hash_matrix(signatures, layout), sketches


@dataclass
class Assigner:
    """Assigns a batch's posts one by one against the stored posts short-listed for each (by a
    `BandIndex`) plus the posts of this batch assigned before it that share its bands.

    Candidates are screened by containment estimated from their sketches (`load_sketches`);
    only those that may reach the threshold have their folded text read (`load_texts`) and
    compared exactly. `prefetch` does this for the stored short lists of a whole batch at once.
    """

    load_sketches: Callable[[list[int]], dict[int, Sketch]]
    load_texts: Callable[[list[int]], dict[int, str]]
    min_containment: float
    window: timedelta
    texts: dict[int, str] = field(default_factory=dict)
    sketches: dict[int, Sketch] = field(default_factory=dict)
    local: dict[int, list[BandHit]] = field(default_factory=lambda: defaultdict(list))
    next_placeholder: int = -1

    def prefetch(self, posts: Sequence[Incoming], stored: Sequence[Sequence[Counted]]) -> list[list[Counted]]:
        """Screen each post's stored short list and read the texts of those that pass; return them."""
        self._load(self.sketches, self.load_sketches, {c.post_id for short in stored for c in short})
        pairs = [(i, c) for i, short in enumerate(stored) for c in short if c.post_id in self.sketches]
        passed: list[list[Counted]] = [[] for _ in posts]
        if pairs:
            mine = [posts[i].sketch for i, _ in pairs]
            theirs = [self.sketches[c.post_id] for _, c in pairs]
            keep = self._estimate(mine, theirs) >= self.min_containment * SCREEN
            for (i, candidate), ok in zip(pairs, keep.tolist(), strict=True):
                if ok:
                    passed[i].append(candidate)
        self._load(self.texts, self.load_texts, {c.post_id for short in passed for c in short})
        return passed

    @staticmethod
    def _load(cache: dict[int, T], load: Callable[[list[int]], dict[int, T]], ids: Iterable[int]) -> None:
        missing = sorted(i for i in ids if i not in cache)
        if missing:
            cache.update(load(missing))

    @staticmethod
    def _estimate(mine: Sequence[Sketch], theirs: Sequence[Sketch]) -> np.ndarray:
        return estimate_containment(np.stack([s.signature for s in mine]), np.array([s.size for s in mine]),
                                    np.stack([s.signature for s in theirs]), np.array([s.size for s in theirs]))

    def shortlist(self, post: Incoming, bands: Sequence[int]) -> list[Counted]:
        """This batch's earlier posts worth verifying: grouped by story, the stories sharing the
        most bands (ties: the newest post), and in each its posts sharing the most bands."""
        counts: dict[int, int] = {}
        story_of: dict[int, int] = {}
        local = self.local.get
        for key in bands:
            for near in local(key) or ():
                if abs(near.at - post.at) <= self.window:
                    counts[near.post_id] = counts.get(near.post_id, 0) + 1
                    story_of[near.post_id] = near.story_id
        counts.pop(post.post_id, None)
        if not counts:
            return []
        stories: dict[int, list[int]] = defaultdict(list)
        for post_id in counts:
            stories[story_of[post_id]].append(post_id)
        ranked = heapq.nlargest(MAX_STORIES, stories.values(),
                                key=lambda ids: (sum(counts[i] for i in ids), max(ids)))
        chosen: list[Counted] = []
        for ids in ranked:
            best = heapq.nlargest(POSTS_PER_STORY, ids, key=lambda i: (counts[i], i))
            chosen.extend(Counted(i, story_of[i], counts[i]) for i in best)
        return chosen

    def screen(self, post: Incoming, shortlist: list[Counted]) -> list[Counted]:
        """The short-listed posts whose estimated containment leaves a chance to pass."""
        if not shortlist:
            return []
        self._load(self.sketches, self.load_sketches, (c.post_id for c in shortlist))
        known = [c for c in shortlist if c.post_id in self.sketches]
        if not known:
            return []
        estimates = self._estimate([post.sketch] * len(known), [self.sketches[c.post_id] for c in known])
        return [c for c, e in zip(known, estimates.tolist(), strict=True) if e >= self.min_containment * SCREEN]

    def assign(self, post: Incoming, bands: Sequence[int], stored: Sequence[Counted]) -> Assignment:
        """Join the story of the best-contained candidate, or found a new story.

        `bands` are the post's band keys (`band_index.band_keys`: band number and hash in one
        int; none for an empty text). `stored` is the post's screened stored short list (`prefetch`); this batch's earlier
        posts sharing its bands are short-listed and screened here.
        """
        best: tuple[float, int] | None = None
        candidates = [*stored, *self.screen(post, self.shortlist(post, bands))]
        self._load(self.texts, self.load_texts, (c.post_id for c in candidates))
        for candidate in candidates:
            other = self.texts.get(candidate.post_id)
            if other is None:
                continue
            score = containment(post.text, other)
            if score >= self.min_containment and (best is None or (score, -candidate.story_id) > (best[0], -best[1])):
                best = (score, candidate.story_id)
        self.texts[post.post_id] = post.text
        self.sketches[post.post_id] = post.sketch
        if best is None:
            story_id, score, founded = self.next_placeholder, 1.0, True
            self.next_placeholder -= 1
        else:
            (score, story_id), founded = best, False
        hit = BandHit(post.post_id, story_id, post.at)
        for key in bands:
            self.local[key].append(hit)
        return Assignment(post.post_id, story_id, round(score, 4), founded)
