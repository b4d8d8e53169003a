"""Analysis stage, site boilerplate: a batch's posts (site, folded title and body segments) + how many
posts of each site already carry each segment → statement texts without the site's repeated text.

Pure. A segment (a line or sentence of the folded text, digits read as 0) that at least `min_posts`
posts of one site carry — an app-download footer, a course advert, a copyright line, a template
title — is that site's boilerplate and is left out of the text its posts are compared by, so two
posts join a story only on text beyond it. Counts are per post (a segment twice in one post counts
once) and include the batch itself, so a site's first dozen posts sharing a footer are already
filtered when they arrive together.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from hashlib import blake2b

MIN_SEGMENT = 4  # folded characters: shorter segments are never counted, and always kept
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Statement:
    """What a post is compared by: folded text without its site's boilerplate, its kept title and
    body start, and whether everything it says is boilerplate (then `text` keeps it all)."""

    text: str
    title: str
    lead: str
    template: bool = False


@dataclass(frozen=True)
class Segmented:
    """A post cut for counting: its site, folded title ("" when none) and folded body segments."""

    site: str
    title: str
    segments: list[str]


def segment_key(site: str, segment: str) -> int:
    """The signed 64-bit key of one (site, segment) pair, each run of digits read as 0 (counters, dates)."""
    digest = blake2b(f"{site}\x00{_DIGITS.sub('0', segment)}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def post_keys(post: Segmented) -> list[int | None]:
    """The key of each of the post's title and body segments (None for those too short to count)."""
    pieces = [post.title, *post.segments]
    return [segment_key(post.site, piece) if len(piece) >= MIN_SEGMENT else None for piece in pieces]


def batch_counts(keys: Sequence[Sequence[int | None]]) -> dict[int, int]:
    """How many of the batch's posts carry each key (once per post)."""
    return dict(Counter(key for row in keys for key in set(row) if key is not None))


def boilerplate_keys(batch: Mapping[int, int], stored: Mapping[int, int], min_posts: int) -> frozenset[int]:
    """The keys whose posts, stored and in this batch, reach `min_posts` (none when it is 0)."""
    if min_posts <= 0:
        return frozenset()
    return frozenset(key for key, count in batch.items() if count + stored.get(key, 0) >= min_posts)


def filter_statement(post: Segmented, keys: Sequence[int | None], boilerplate: frozenset[int]) -> Statement:
    """The post's statement without its boilerplate segments (all of it when nothing else is left)."""
    counted = [key for key in keys if key is not None]
    if counted and all(key in boilerplate for key in counted):
        return Statement(post.title + "".join(post.segments), post.title, "".join(post.segments), True)
    title = "" if keys[0] is not None and keys[0] in boilerplate else post.title
    body = "".join(s for s, key in zip(post.segments, keys[1:], strict=True) if key is None or key not in boilerplate)
    return Statement(title + body, title, body)
