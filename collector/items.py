"""Collector stage, item shape: every parser turns a page or feed into `RawPost`s.

Pure: one frozen record per post (Scrapy's one-item-shape idea), plus what a parse found.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class RawPost:
    """One post as read from a source; counts are None when the page does not show them."""

    title: str
    url: str
    site: str
    guid: str | None = None
    author: str | None = None
    published_at: datetime | None = None  # always aware
    body: str = ""
    views: int | None = None
    replies: int | None = None
    reposts: int | None = None
    likes: int | None = None  # 点赞; JSON platform sources report it

    def __post_init__(self) -> None:
        if self.published_at is not None and self.published_at.tzinfo is None:
            raise ValueError(f"naive published_at {self.published_at!r} for {self.url}")

    @property
    def has_counts(self) -> bool:
        """True when at least one engagement count is known."""
        return any(c is not None for c in (self.views, self.replies, self.reposts, self.likes))

    def merged(self, **changes: Any) -> RawPost:
        """A copy with the given fields replaced."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (times in ISO 8601), for expected-output files."""
        data = {k: getattr(self, k) for k in self.__dataclass_fields__}
        if self.published_at is not None:
            data["published_at"] = self.published_at.isoformat()
        if self.likes is None:  # only platform sources report likes; older expected files stay as they are
            del data["likes"]
        return data


@dataclass(frozen=True)
class Parsed:
    """What one page or feed held: its posts, and warnings about what could not be read."""

    items: list[RawPost]
    warnings: list[str] = field(default_factory=list)
