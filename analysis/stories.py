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

from analysis.similarity import BandLayout, band_hash_matrix, containment, minhash_signatures

MAX_STORIES = 6  # candidate stories verified per new post, those sharing the most bands first
POSTS_PER_STORY = 2  # and in each, the posts sharing the most bands

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
    """Assigns posts one by one against stored band hits plus the bands of posts assigned before.

    `load` fetches the folded texts of stored posts it has not seen, only for the few
    candidates that are verified.
    """

    stored: Mapping[BandKey, Sequence[BandHit]]
    load: Callable[[list[int]], dict[int, str]]
    min_containment: float
    window: timedelta
    texts: dict[int, str] = field(default_factory=dict)
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

    def assign(self, post: Incoming, bands: list[BandKey]) -> Assignment:
        """Join the story of the best-contained candidate, or found a new story."""
        best: tuple[float, int] | None = None
        shortlist = self.shortlist(post, bands)
        missing = [hit.post_id for hit in shortlist if hit.post_id not in self.texts]
        if missing:
            self.texts.update(self.load(missing))
        for hit in shortlist:
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
