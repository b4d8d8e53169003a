"""Analysis stage, story assignment: new posts' statements + LSH band hits → the story each joins.

Pure. Candidates are earlier posts sharing band hashes inside the window: stored ones,
counted per post by a `BandIndex` (`band_index.py`), and this batch's own; each is verified
by containment, and a post joins the story of its best candidate or starts a new one.
Besides the LSH bands, a post's title and body start are keys too (`title_keys`), so a
title-only copy (a board read from its list) finds the full text it heads, whose sketch it
shares too little of for LSH; such short texts join by the headline rule (`headline_match`).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from hashlib import blake2b
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
TITLE_BAND = 255  # the band number title and body-start keys are stored under in story_bands
TITLE_KEY = 10  # folded characters of a title or body start hashed into its key
MIN_TITLE = 10  # folded characters: a shorter text is too generic ("通知", "情况通报") to join anything
SHORT_STATEMENT = 40  # folded characters: a pair whose shorter text is shorter joins by headline only
HEAD = 64  # a headline must appear within this many characters after the other text's start
TITLE_WEIGHT = 32  # sharing a title key ranks a candidate like this many shared bands (all of them)
SPREAD = 2  # of stories sharing a title, one with this many times the posts of each other takes its reposts

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
    """A post to assign: its id, folded statement text, when it was first seen, its sketch, and
    whether its text is all boilerplate of its site (then it never joins by its headline)."""

    post_id: int
    text: str
    at: datetime
    sketch: Sketch
    template: bool = False


@dataclass(frozen=True)
class Assignment:
    """Where one post went: an existing story id, or a negative placeholder for a story it founded."""

    post_id: int
    story_id: int
    similarity: float
    founded: bool


def title_keys(title: str, lead: str) -> list[int]:
    """Keys (signed 64-bit, never 0) of a folded title's and body start's first TITLE_KEY characters:
    a title-only copy shares one with the full text whose title or lead it is."""
    keys = []
    for part in (title, lead):
        if len(part) >= TITLE_KEY:
            digest = blake2b(part[:TITLE_KEY].encode(), digest_size=8).digest()
            key = int.from_bytes(digest, "little", signed=True) or 1
            if key not in keys:
                keys.append(key)
    return keys


def headline_match(a: str, b: str) -> bool:
    """Whether the shorter folded text is informative (MIN_TITLE) and appears whole near the other's
    start (within its length plus HEAD characters): a title-only post and the title or lead of a
    full copy; two copies of one title. Whole, because titles of different statements often
    differ by a place name or a number only."""
    short, other = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= MIN_TITLE and short in other[: len(short) + HEAD]


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
    load_full: Callable[[list[int]], set[int]] = lambda ids: set()  # stories holding a text of SHORT_STATEMENT
    load_sizes: Callable[[list[int]], dict[int, int]] = lambda ids: {}  # stored posts of each story
    headlines: bool = True  # short texts join by headline (`stories.title_join`); else by containment
    texts: dict[int, str] = field(default_factory=dict)
    sketches: dict[int, Sketch] = field(default_factory=dict)
    local: dict[int, list[BandHit]] = field(default_factory=lambda: defaultdict(list))
    full: dict[int, bool] = field(default_factory=dict)  # story → whether it holds a full text
    added: dict[int, int] = field(default_factory=dict)  # story → posts it gained in this batch
    next_placeholder: int = -1

    def prefetch(self, posts: Sequence[Incoming], stored: Sequence[Sequence[Counted]]) -> list[list[Counted]]:
        """Screen each post's stored short list and read the texts of those that pass; return them."""
        self._load(self.sketches, self.load_sketches, {c.post_id for short in stored for c in short})
        pairs = [(i, c) for i, short in enumerate(stored) for c in short if c.post_id in self.sketches]
        passed: list[list[Counted]] = [[] for _ in posts]
        if pairs:
            mine = [posts[i].sketch for i, _ in pairs]
            theirs = [self.sketches[c.post_id] for _, c in pairs]
            keep = self._passes(mine, theirs)
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

    def shortlist(self, post: Incoming, bands: Sequence[int], titles: Sequence[int] = ()) -> list[Counted]:
        """This batch's earlier posts worth verifying: grouped by story, the stories sharing the
        most bands (for a short text a title key counts TITLE_WEIGHT; ties: the newest post), and
        in each its posts sharing the most bands."""
        counts: dict[int, int] = {}
        story_of: dict[int, int] = {}
        local = self.local.get
        short = len(post.text) < SHORT_STATEMENT
        for key in bands:
            weight = TITLE_WEIGHT if short and key in titles else 1
            for near in local(key) or ():
                if abs(near.at - post.at) <= self.window:
                    counts[near.post_id] = counts.get(near.post_id, 0) + weight
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
        keep = self._passes([post.sketch] * len(known), [self.sketches[c.post_id] for c in known])
        return [c for c, ok in zip(known, keep.tolist(), strict=True) if ok]

    def _passes(self, mine: Sequence[Sketch], theirs: Sequence[Sketch]) -> np.ndarray:
        """Pairs worth verifying: estimated containment at half the bar, or a short text in the pair
        (a 20-character title shares too few of a long text's 64 MinHash values to estimate)."""
        short = np.minimum([s.size for s in mine], [s.size for s in theirs]) < SHORT_STATEMENT - 2
        return (short & self.headlines) | (self._estimate(mine, theirs) >= self.min_containment * SCREEN)

    def _headline_story(self, post: Incoming, stories: dict[int, float]) -> int | None:
        """The story a headline match decides for, if any. A full text joins the one story matched
        while it holds no full text (else the texts decide). A short text joins the one story
        matched; of several sharing the title, only one spreading clearly more than the others
        (SPREAD times the posts of each, and at least SPREAD posts), where reposts of that title go."""
        if len(post.text) >= SHORT_STATEMENT:
            if len(stories) != 1:
                return None
            unknown = [s for s in stories if s not in self.full]
            if unknown:
                found = self.load_full([s for s in unknown if s > 0])
                self.full.update({s: s in found for s in unknown})
            return None if any(self.full[s] for s in stories) else next(iter(stories))
        if len(stories) == 1:
            return next(iter(stories))
        if not stories:
            return None
        stored = self.load_sizes([s for s in stories if s > 0])
        sizes = sorted(((stored.get(s, 0) + self.added.get(s, 0), s) for s in stories), reverse=True)
        (top, story), (second, _) = sizes[0], sizes[1]
        return story if top >= SPREAD and top >= SPREAD * second else None

    def assign(self, post: Incoming, bands: Sequence[int], stored: Sequence[Counted],
               titles: Sequence[int] = ()) -> Assignment:
        """Join the story of the best-contained candidate, or found a new story.

        `bands` are the post's band keys (`band_index.band_keys`: band number and hash in one
        int; none for an empty text). `stored` is the post's screened stored short list (`prefetch`); this batch's earlier
        posts sharing its bands are short-listed and screened here.
        """
        best: tuple[float, int] | None = None
        by_headline: dict[int, float] = {}
        candidates = [*stored, *self.screen(post, self.shortlist(post, bands, titles))]
        self._load(self.texts, self.load_texts, (c.post_id for c in candidates))
        for candidate in candidates:
            other = self.texts.get(candidate.post_id)
            if other is None:
                continue
            if self.headlines and min(len(post.text), len(other)) < SHORT_STATEMENT:
                # Too short to tell by shared shingles: only the headline counts.
                if not post.template and headline_match(post.text, other):
                    by_headline[candidate.story_id] = containment(post.text, other)
                continue
            score = containment(post.text, other)
            if score >= self.min_containment and (best is None or (score, -candidate.story_id) > (best[0], -best[1])):
                best = (score, candidate.story_id)
        chosen = self._headline_story(post, by_headline) if best is None else None
        if chosen is not None:
            best = (by_headline[chosen], chosen)
        self.texts[post.post_id] = post.text
        self.sketches[post.post_id] = post.sketch
        if best is None:
            story_id, score, founded = self.next_placeholder, 1.0, True
            self.next_placeholder -= 1
        else:
            (score, story_id), founded = best, False
        if len(post.text) >= SHORT_STATEMENT:
            self.full[story_id] = True
        self.added[story_id] = self.added.get(story_id, 0) + 1
        hit = BandHit(post.post_id, story_id, post.at)
        for key in bands:
            self.local[key].append(hit)
        return Assignment(post.post_id, story_id, round(score, 4), founded)
