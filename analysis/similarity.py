"""Analysis stage, near-duplicates: folded statement text (`text.statement_text`) → shingles, MinHash
bands, containment.

Pure. The statement text has its repost boilerplate stripped and is folded before it gets here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np

NUM_PERM = 64
SEED = 1
SHORT_TEXT = 12  # folded characters; shorter texts are shingled in 2-grams
MIN_SHINGLES = 8  # below this, containment is too easy: require Jaccard instead

_MERSENNE = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)
_CHUNK = 4096  # shingles per vectorised step: keeps the working set in cache
_STEPS = 2049  # trapezoid points per integral of the band layout

def shingles(text: str, k: int | None = None) -> frozenset[str]:
    """Character k-grams of folded text: 3-grams, 2-grams for texts shorter than SHORT_TEXT."""
    if k is None:
        k = 2 if len(text) < SHORT_TEXT else 3
    return _shingles(text, k)


@lru_cache(maxsize=16_384)  # a batch checks the same stored posts again and again
def _shingles(text: str, k: int) -> frozenset[str]:
    if len(text) <= k:
        return frozenset([text]) if text else frozenset()
    return frozenset([text[i : i + k] for i in range(len(text) - k + 1)])


def containment(a: str, b: str) -> float:
    """Share of the shorter folded text's shingles found in the longer (Jaccard for tiny texts)."""
    if not a or not b:
        return 0.0
    k = 2 if min(len(a), len(b)) < SHORT_TEXT else 3
    sa, sb = _shingles(a, k), _shingles(b, k)
    common = len(sa & sb)
    smaller = min(len(sa), len(sb))
    if smaller < MIN_SHINGLES:
        return common / len(sa | sb)
    return common / smaller


@dataclass(frozen=True)
class BandLayout:
    """How a MinHash signature is cut into LSH bands: `bands` bands of `rows` values."""

    bands: int
    rows: int


@cache
def band_layout(threshold: float, num_perm: int = NUM_PERM) -> BandLayout:
    """The (bands, rows) that datasketch's MinHashLSH picks for this threshold (equal weights).

    The layout minimising the false-positive area below the threshold plus the false-negative area
    above it, as datasketch computes it, but integrated with numpy: importing datasketch loads
    scipy (55 MB), which pushed `yuqing collect` over its memory budget. A test checks that both
    pick the same layout.
    """
    below = np.linspace(0.0, threshold, _STEPS)
    above = np.linspace(threshold, 1.0, _STEPS)
    best, layout = float("inf"), BandLayout(bands=1, rows=1)
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            false_positive = np.trapezoid(1 - (1 - below**rows) ** bands, below)
            false_negative = np.trapezoid((1 - above**rows) ** bands, above)
            if false_positive + false_negative < best:
                best, layout = false_positive + false_negative, BandLayout(bands=bands, rows=rows)
    return layout


@cache
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) of the universal hash functions datasketch's MinHash(seed) uses, as rows."""
    generator = np.random.RandomState(seed)
    pairs = [(generator.randint(1, _MERSENNE, dtype=np.uint64), generator.randint(0, _MERSENNE, dtype=np.uint64))
             for _ in range(num_perm)]
    a, b = np.array(pairs, dtype=np.uint64).T
    return a.reshape(1, -1), b.reshape(1, -1)


def _mix32(ids: np.ndarray) -> np.ndarray:
    """The top 32 bits of splitmix64: packed shingle ids → well-spread 32-bit hashes."""
    return _mix64(ids) >> np.uint64(32)


def _pack(codes: np.ndarray, k: int) -> np.ndarray:
    """Each window of k code points (21 bits each) packed into one integer: a shingle's id."""
    ids = np.zeros(len(codes) - k + 1, dtype=np.uint64)
    for j in range(k):
        ids = (ids << np.uint64(21)) | codes[j : len(codes) - k + 1 + j]
    return ids


def shingle_hash32(shingle: str) -> int:
    """The 32-bit hash of one shingle, as `minhash_signatures` computes it (a datasketch hashfunc)."""
    codes = np.array([ord(c) for c in shingle], dtype=np.uint64)
    return int(_mix32(_pack(codes, len(codes)))[0])


def shingle_counts(texts: Sequence[str]) -> list[int]:
    """How many shingles (windows) each folded text has: the size `estimate_containment` needs."""
    counts = []
    for text in texts:
        k = 2 if len(text) < SHORT_TEXT else 3
        counts.append(0 if not text else max(1, len(text) - k + 1))
    return counts


def estimate_containment(a: np.ndarray, size_a: np.ndarray, b: np.ndarray, size_b: np.ndarray) -> np.ndarray:
    """Containment estimated from MinHash signatures and shingle counts, row by row (no text needed).

    `a` and `b` hold one signature per row; the sizes one count per row. Jaccard J is the
    share of equal signature values; then |A∩B| = J(|A|+|B|)/(1+J). With 64 permutations
    the estimate is within about ±0.1 of the truth; a row with an empty text gives 0.
    """
    a, b = np.atleast_2d(a), np.atleast_2d(b)
    size_a, size_b = np.asarray(size_a, dtype=np.float64), np.asarray(size_b, dtype=np.float64)
    jaccard = np.count_nonzero(a == b, axis=1) / a.shape[1]
    smaller = np.minimum(size_a, size_b)
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = jaccard * (size_a + size_b) / ((1 + jaccard) * smaller)
    return np.where(smaller > 0, np.minimum(1.0, estimate), 0.0)


def _shingle_hashes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """32-bit hashes of every shingle of every text, concatenated, and the count per text."""
    parts: list[np.ndarray] = []
    sizes = np.zeros(len(texts), dtype=np.int64)
    for index, text in enumerate(texts):
        if not text:
            continue
        k = 2 if len(text) < SHORT_TEXT else 3
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        ids = _pack(codes, min(k, len(codes)))
        parts.append(ids)
        sizes[index] = len(ids)
    if not parts:
        return np.zeros(0, dtype=np.uint64), sizes
    return _mix32(np.concatenate(parts)), sizes


def minhash_signatures(texts: Sequence[str], num_perm: int = NUM_PERM, seed: int = SEED) -> np.ndarray:
    """MinHash signatures of folded texts (one row each), as datasketch computes them.

    Equal to `datasketch.MinHash(num_perm, seed, hashfunc=shingle_hash32)` fed each text's
    shingles, but vectorised over the batch in cache-sized chunks, with the Mersenne
    reduction of (a·h + b) mod 2**61-1 instead of numpy's slow 64-bit `%`.
    """
    out = np.full((len(texts), num_perm), _MAX_HASH, dtype=np.uint64)
    hv, sizes = _shingle_hashes(texts)
    a, b = _permutations(num_perm, seed)
    starts = np.concatenate(([0], np.cumsum(sizes)))
    buffers = np.empty((2, max(_CHUNK, int(sizes.max(initial=0))), num_perm), dtype=np.uint64)
    first = 0
    while first < len(texts):
        last = int(np.searchsorted(starts, starts[first] + _CHUNK, side="right")) - 1
        last = min(max(last, first + 1), len(texts))
        low, high = int(starts[first]), int(starts[last])
        if high > low:
            y, t = buffers[0, : high - low], buffers[1, : high - low]
            np.multiply(hv[low:high, None], a, out=y)
            np.add(y, b, out=y)
            np.right_shift(y, np.uint64(61), out=t)
            np.bitwise_and(y, _MERSENNE, out=y)
            np.add(y, t, out=y)
            np.subtract(y, _MERSENNE, out=t)  # wraps to a huge value unless y >= p
            np.minimum(y, t, out=y)
            np.bitwise_and(y, _MAX_HASH, out=y)
            filled = np.flatnonzero(sizes[first:last])
            out[first + filled] = np.minimum.reduceat(y, starts[first:last][filled] - low, axis=0)
        first = last
    return out


def _mix64(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection on 64-bit integers that spreads every input bit."""
    z = values ^ (values >> np.uint64(30))
    z = z * np.uint64(0xBF58476D1CE4E5B9)
    z = z ^ (z >> np.uint64(27))
    z = z * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def band_hash_matrix(signatures: np.ndarray, layout: BandLayout) -> np.ndarray:
    """Signed 64-bit hashes of every band of every signature: shape (texts, bands), int64.

    Each band's `rows` values are chained through splitmix64 (h ← mix(h ⊕ value)), so equal
    bands hash equal and different ones collide with probability about 2**-64.
    """
    rows = layout.rows
    cut = signatures[:, : layout.bands * rows].reshape(len(signatures), layout.bands, rows)
    h = np.zeros(cut.shape[:2], dtype=np.uint64)
    for j in range(rows):
        h = _mix64(h ^ cut[:, :, j])
    return h.view(np.int64)


def band_hashes(signature: np.ndarray, layout: BandLayout) -> list[int]:
    """One signed 64-bit hash per band of one signature, for an indexed SQL column."""
    return [int(v) for v in band_hash_matrix(signature.reshape(1, -1), layout)[0]]
