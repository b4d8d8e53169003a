"""Analysis stage, the nodes of a parsed query: terms, phrases, regexes, NOT, AND, OR.

Pure. Each node answers `matches(folded_text)`; leaves are compiled once when parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol


class Node(Protocol):
    """A node of a parsed query."""

    def matches(self, text: str) -> bool:
        """Whether folded text satisfies this node."""
        ...

    def collect(self, text: str, negated: bool, hits: list[str], blocked: list[str]) -> None:
        """Add the leaves found in text to hits, or to blocked under an odd number of NOTs."""
        ...

    def leaves(self) -> list[Leaf]:
        """Every term, phrase and regex below this node."""
        ...


@dataclass(frozen=True)
class Leaf:
    """A term, phrase or regex: `source` as written, compiled against folded text."""

    kind: str  # term | phrase | regex
    source: str
    words: tuple[str, ...]
    pattern: re.Pattern[str] | None = field(default=None, compare=False)

    def matches(self, text: str) -> bool:
        if self.pattern is None:
            return self.words[0] in text
        return self.pattern.search(text) is not None

    def collect(self, text: str, negated: bool, hits: list[str], blocked: list[str]) -> None:
        if self.matches(text):
            (blocked if negated else hits).append(self.source)

    def leaves(self) -> list[Leaf]:
        return [self]


@dataclass(frozen=True)
class Not:
    """True when its operand is false."""

    operand: Node

    def matches(self, text: str) -> bool:
        return not self.operand.matches(text)

    def collect(self, text: str, negated: bool, hits: list[str], blocked: list[str]) -> None:
        self.operand.collect(text, not negated, hits, blocked)

    def leaves(self) -> list[Leaf]:
        return self.operand.leaves()


@dataclass(frozen=True)
class And:
    """True when every operand is true."""

    operands: tuple[Node, ...]

    def matches(self, text: str) -> bool:
        return all(o.matches(text) for o in self.operands)

    def collect(self, text: str, negated: bool, hits: list[str], blocked: list[str]) -> None:
        for operand in self.operands:
            operand.collect(text, negated, hits, blocked)

    def leaves(self) -> list[Leaf]:
        return [leaf for o in self.operands for leaf in o.leaves()]


@dataclass(frozen=True)
class Or(And):
    """True when any operand is true; plain terms are tried as one regex alternation."""

    def __post_init__(self) -> None:
        plain = [o for o in self.operands if isinstance(o, Leaf) and o.pattern is None]
        rest = tuple(o for o in self.operands if not (isinstance(o, Leaf) and o.pattern is None))
        # One scan in C instead of a Python call per term: categories have ~200 terms.
        either = re.compile("|".join(re.escape(leaf.words[0]) for leaf in plain)) if len(plain) > 1 else None
        object.__setattr__(self, "_either", either)
        object.__setattr__(self, "_rest", rest if either else self.operands)

    def matches(self, text: str) -> bool:
        either: re.Pattern[str] | None = self._either  # type: ignore[attr-defined]
        if either is not None and either.search(text):
            return True
        return any(o.matches(text) for o in self._rest)  # type: ignore[attr-defined]
