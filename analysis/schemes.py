"""Analysis stage, schemes (监测方案): configured `[[schemes]]` → compiled queries → matches.

Pure. Each query is parsed once (`compile_schemes`); `match_schemes` takes folded text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from yuqing.analysis.query import Explanation, Query, SchemeError, parse_query
from yuqing.config.settings import SchemeSettings


@dataclass(frozen=True)
class Scheme:
    """A named monitoring scheme with its compiled query."""

    name: str
    query: Query


def compile_schemes(schemes: Iterable[SchemeSettings]) -> list[Scheme]:
    """Parse every scheme's query; SchemeError (a ConfigError) names the scheme and column."""
    compiled = []
    for scheme in schemes:
        try:
            compiled.append(Scheme(scheme.name, parse_query(scheme.query)))
        except SchemeError as exc:
            raise exc.located(f"scheme {scheme.name!r} (schemes.query)") from None
    return compiled


def match_schemes(schemes: Iterable[Scheme], folded: str) -> list[str]:
    """Names of the schemes whose query folded text matches, in configuration order."""
    return [s.name for s in schemes if s.query.matches(folded)]


def explain_schemes(schemes: Iterable[Scheme], folded: str) -> list[tuple[str, Explanation]]:
    """Every scheme with whether it matches folded text and which terms it found."""
    return [(s.name, s.query.explain(folded)) for s in schemes]


def scheme_words(schemes: Iterable[Scheme]) -> list[str]:
    """The words of every scheme's terms and phrases, once each, for the tokenizer."""
    return list(dict.fromkeys(w for s in schemes for w in s.query.words()))


def schemes_fingerprint(schemes: Iterable[Scheme]) -> str:
    """A short hash of the scheme names and queries: it changes when any scheme changes."""
    digest = hashlib.sha256()
    for scheme in schemes:
        digest.update(f"{scheme.name}\0{scheme.query.source}\0".encode())
    return digest.hexdigest()[:12]
