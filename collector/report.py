"""Collector stage, what a pass reports: one `SourceResult` per source, gathered in a `CollectReport`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class SourceResult:
    """How one source's poll went: outcome ok | not_modified | partial | error, and counts."""

    name: str
    kind: str
    outcome: str
    items_found: int = 0
    items_new: int = 0
    items_updated: int = 0
    http_status: int | None = None
    error: str | None = None
    warning: str | None = None
    seconds: float = 0.0

    def __str__(self) -> str:
        if self.outcome == "error":
            detail = f"failed: {self.error}"
        elif self.outcome == "not_modified":
            detail = "not modified"
        else:
            detail = f"{self.items_found} items, {self.items_new} new, {self.items_updated} updated"
            if self.warning:
                detail += f"; warning: {self.warning}"
        return f"{self.name} ({self.kind}): {detail} [{self.seconds:.1f}s]"


@dataclass
class CollectReport:
    """What one collection pass did, source by source."""

    started_at: datetime
    results: list[SourceResult] = field(default_factory=list)

    @property
    def failed(self) -> list[SourceResult]:
        """The sources whose poll failed."""
        return [r for r in self.results if r.outcome == "error"]

    @property
    def items_new(self) -> int:
        """Posts stored for the first time in this pass."""
        return sum(r.items_new for r in self.results)

    def __str__(self) -> str:
        found = sum(r.items_found for r in self.results)
        unchanged = sum(r.outcome == "not_modified" for r in self.results)
        ok = len(self.results) - len(self.failed) - unchanged
        return (f"collected {len(self.results)} sources: {ok} read, {unchanged} not modified, "
                f"{len(self.failed)} failed; {found} items, {self.items_new} new")
