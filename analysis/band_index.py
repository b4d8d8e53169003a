"""Analysis stage, candidate ranking: stored band rows a batch can match → each post's short list.

Pure (numpy, no I/O). The job reads the story_bands rows sharing a band hash with a batch;
this index answers every post of the batch at once with vectorised binary searches and
groupings, where Python loops over ~100 hits per post at 200,000 posts in the window were
the slowest part of assignment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

MAX_BANDS = 256


def _salts() -> np.ndarray:
    """One random 64-bit salt per band number (splitmix64 of the band): folds the band into the key."""
    z = np.arange(1, MAX_BANDS + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return (z ^ (z >> np.uint64(31))).view(np.int64)


_SALTS = _salts()


def band_keys(bands: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    """One int64 key per (band number, band hash): equal pairs give equal keys."""
    return np.bitwise_xor(np.asarray(hashes, dtype=np.int64), _SALTS[np.asarray(bands, dtype=np.intp)])


class Counted(NamedTuple):
    """An earlier post found through shared bands: its id, its story, and how many bands it shares."""

    post_id: int
    story_id: int
    shared: int


@dataclass
class BandIndex:
    """Band keys of earlier posts, sorted, each pointing at its post's slot.

    Within one key the entries are oldest first, so the newest `cap` of a popular key (a
    stock phrase a thousand posts share) are one slice.
    """

    keys: np.ndarray
    slots: np.ndarray
    post_ids: np.ndarray
    story_ids: np.ndarray
    hours: np.ndarray
    heavy: np.ndarray | None = None  # per entry: whether it is of a heavy band (a title key)
    weight: int = 1  # how many bands sharing a heavy key counts for, for the queries that ask

    @classmethod
    def from_rows(cls, bands: np.ndarray, hashes: np.ndarray, post_ids: np.ndarray, story_ids: np.ndarray,
                  hours: np.ndarray, heavy: tuple[int, int] | None = None) -> BandIndex:
        """An index of stored band rows (one array per column of story_bands); `heavy` is a band
        number and a weight: for the queries that ask, sharing a key of that band counts as that
        many bands (a short text's title key ranks before its LSH bands)."""
        unique, first, slots = np.unique(np.asarray(post_ids, dtype=np.int64), return_index=True,
                                         return_inverse=True)
        post_hours = np.asarray(hours, dtype=np.int64)[first]
        keys = band_keys(bands, hashes)
        order = np.lexsort((unique[slots], post_hours[slots], keys))
        marked = (np.asarray(bands) == heavy[0])[order] if heavy else None
        return cls(keys[order], slots[order], unique, np.asarray(story_ids, dtype=np.int64)[first], post_hours,
                   marked, heavy[1] if heavy else 1)

    def __len__(self) -> int:
        """How many posts the index holds."""
        return len(self.post_ids)

    def lookup(self, keys: np.ndarray, hours: np.ndarray, span: int, cap: int, stories: int,
               posts: int, weighted: np.ndarray | None = None) -> list[list[Counted]]:
        """Short lists for query rows of band keys (shape queries × bands): earlier posts sharing them.

        Per key only its newest `cap` entries count, and entries more than `span` hours from
        the query's hour are left out. The posts found are grouped by story; the `stories`
        stories sharing the most bands (ties: the newest post) are kept, and from each its
        `posts` posts sharing the most bands, each with its number of shared bands (heavy keys
        weighing `weight` for the query rows marked in `weighted`).
        """
        rows, width = keys.shape
        found: list[list[Counted]] = [[] for _ in range(rows)]
        flat = keys.ravel()
        high = np.searchsorted(self.keys, flat, side="right")
        low = np.maximum(np.searchsorted(self.keys, flat, side="left"), high - cap)
        counts = high - low
        total = int(counts.sum())
        if not total:
            return found
        entries = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts - low, counts)
        owners = np.repeat(np.arange(rows * width, dtype=np.int64) // width, counts)
        slots = self.slots[entries].astype(np.int64)
        near = np.abs(self.hours[slots] - np.asarray(hours, dtype=np.int64)[owners]) <= span
        if self.heavy is None or weighted is None or not weighted.any():
            pairs, shared = np.unique(owners[near] * len(self.post_ids) + slots[near], return_counts=True)
        else:
            pairs, inverse = np.unique(owners[near] * len(self.post_ids) + slots[near], return_inverse=True)
            heavy = self.heavy[entries][near] & np.asarray(weighted)[owners[near]]
            shared = np.bincount(inverse, weights=np.where(heavy, self.weight, 1)).astype(np.int64)
        if not len(pairs):
            return found
        owner, slot = np.divmod(pairs, len(self.post_ids))
        post, story = self.post_ids[slot], self.story_ids[slot]
        # Stories per query: bands shared by all their posts, and their newest post.
        order = np.lexsort((story, owner))
        owner, post, story, shared = owner[order], post[order], story[order], shared[order]
        group_start = np.flatnonzero(np.r_[True, (owner[1:] != owner[:-1]) | (story[1:] != story[:-1])])
        group = np.repeat(np.arange(len(group_start)), np.diff(np.r_[group_start, len(owner)]))
        score = np.add.reduceat(shared, group_start)
        newest = np.maximum.reduceat(post, group_start)
        group_owner = owner[group_start]
        kept = _rank_within(group_owner, np.lexsort((-newest, -score, group_owner))) < stories
        # Posts per kept story: those sharing the most bands, then the newest.
        chosen = np.flatnonzero(kept[group])
        by_post = chosen[np.lexsort((-post[chosen], -shared[chosen], group[chosen]))]
        by_post = by_post[_rank_within(group[by_post], np.arange(len(by_post))) < posts]
        for o, p, st, n in zip(owner[by_post].tolist(), post[by_post].tolist(), story[by_post].tolist(),
                               shared[by_post].tolist(), strict=True):
            found[o].append(Counted(p, st, n))
        return found


def _rank_within(labels: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Each item's position among the items with its label, when all are taken in `order`
    (items of one label must come together in `order`); returned in the items' own order."""
    ranks = np.empty(len(order), dtype=np.int64)
    ordered = labels[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ranks[order] = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    return ranks
