"""Analysis stage, the query language of schemes and category rules: query string → `Query`.

Pure. Loosest first: OR < AND (also implied between neighbours) < NOT; `( )`, `"phrases"`,
`/regex/`. A query matches *folded* text (`fold_text`: Simplified, half-width, lower case).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from yuqing.analysis.query_tree import And, Leaf, Node, Not, Or
from yuqing.analysis.text import fold_word, to_simplified
from yuqing.config.errors import AnalysisError, ConfigError

OPERATORS = ("AND", "OR", "NOT")
_OPEN, _CLOSE = "(（", ")）"
_QUOTE_OPEN, _QUOTE_CLOSE = '"“＂', '"”＂'
_SPECIAL = frozenset(_OPEN + _CLOSE + _QUOTE_OPEN + _QUOTE_CLOSE)
_ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_BETWEEN_WORDS = r"[\W_]*"  # a phrase's words may be split by spaces and punctuation only
_STARTS_OPERAND = ("TERM", "PHRASE", "REGEX", "(", "NOT")


class SchemeError(AnalysisError, ConfigError):
    """A query that cannot be parsed; `.position` is the 0-based offset of the problem.

    Also a ConfigError: a bad query is a configuration mistake (CLI exit code 2).
    """

    def __init__(self, reason: str, query: str, position: int, where: str | None = None) -> None:
        self.reason, self.query, self.position, self.where = reason, query, position, where
        prefix = f"{where}: " if where else ""
        caret = " " * _display_width(query[:position]) + "^"
        super().__init__(f"{prefix}{reason} (column {position + 1})\n    {query}\n    {caret}")

    def located(self, where: str) -> SchemeError:
        """The same error, saying where the query came from (a scheme, a config key)."""
        return SchemeError(self.reason, self.query, self.position, where)


def _display_width(text: str) -> int:
    """Terminal columns of text: CJK and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@dataclass(frozen=True)
class Token:
    """One token: kind is TERM, PHRASE, REGEX, AND, OR, NOT, "(", ")" or END."""

    kind: str
    text: str
    position: int


def tokenize_query(query: str) -> list[Token]:
    """Split a query into tokens; SchemeError at an unterminated phrase or regex."""
    tokens: list[Token] = []
    i, n = 0, len(query)
    while i < n:
        char = query[i]
        if char.isspace():
            i += 1
        elif char in _OPEN or char in _CLOSE:
            tokens.append(Token("(" if char in _OPEN else ")", char, i))
            i += 1
        elif char in _QUOTE_OPEN:
            end = next((j for j in range(i + 1, n) if query[j] in _QUOTE_CLOSE), -1)
            if end < 0:
                raise SchemeError(f"the phrase opened by {char} is never closed", query, i)
            tokens.append(Token("PHRASE", query[i + 1 : end], i))
            i = end + 1
        elif char in _QUOTE_CLOSE:
            raise SchemeError(f"{char} closes a phrase that was never opened", query, i)
        elif char == "/":
            end = _regex_end(query, i)
            tokens.append(Token("REGEX", query[i + 1 : end].replace("\\/", "/"), i))
            i = end + 1
        else:
            start = i
            while i < n and not query[i].isspace() and query[i] not in _SPECIAL:
                i += 1
            word = query[start:i]
            tokens.append(Token(word if word in OPERATORS else "TERM", word, start))
    tokens.append(Token("END", "", n))
    return tokens


def _regex_end(query: str, start: int) -> int:
    """Return the offset of the slash closing the regex opened at `start`."""
    i = start + 1
    while i < len(query):
        if query[i] == "\\":
            i += 2
        elif query[i] == "/":
            if i == start + 1:
                raise SchemeError("the regular expression // is empty", query, start)
            return i
        else:
            i += 1
    raise SchemeError("the regular expression opened by / is never closed", query, start)


def make_leaf(kind: str, text: str, query: str = "", position: int = 0) -> Leaf:
    """Compile one term, phrase or regex; SchemeError when empty or not a valid regex."""
    if kind == "regex":
        try:
            pattern = re.compile(to_simplified(text), re.IGNORECASE)
        except re.error as exc:
            raise SchemeError(f"bad regular expression: {exc.msg}", query or f"/{text}/",
                              position + 1 + (exc.pos or 0)) from exc
        return Leaf(kind, f"/{text}/", (), pattern)
    words = tuple(fold_word(w) for w in text.split())
    if not words:
        raise SchemeError("the phrase is empty", query or '""', position)
    source = text if kind == "term" else f'"{text}"'
    first, last = words[0][0], words[-1][-1]
    if len(words) == 1 and first not in _ASCII_WORD and last not in _ASCII_WORD:
        return Leaf(kind, source, words)  # a plain substring test: `in` beats the regex engine
    body = _BETWEEN_WORDS.join(re.escape(w) for w in words)
    # ASCII words stay whole ("ai" must not match inside "said"); Chinese has no boundaries.
    before = r"(?<![a-z0-9])" if first in _ASCII_WORD else ""
    after = r"(?![a-z0-9])" if last in _ASCII_WORD else ""
    return Leaf(kind, source, words, re.compile(before + body + after))


class _Parser:
    """Recursive descent over the tokens of one query."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = tokenize_query(query)
        self.at = 0

    def error(self, reason: str, token: Token) -> SchemeError:
        return SchemeError(reason, self.query, token.position)

    def peek(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def parse(self) -> Node:
        if self.peek().kind == "END":
            raise self.error("the query is empty", self.peek())
        node = self.parse_or()
        extra = self.peek()
        if extra.kind == ")":
            raise self.error('")" has no matching "("', extra)
        if extra.kind != "END":  # cannot happen: every other token starts or joins an operand
            raise self.error(f"unexpected {extra.text!r}", extra)
        return node

    def parse_or(self) -> Node:
        operands = [self.parse_and()]
        while self.peek().kind == "OR":
            self.take()
            operands.append(self.parse_and())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def parse_and(self) -> Node:
        operands = [self.parse_not()]
        while self.peek().kind == "AND" or self.peek().kind in _STARTS_OPERAND:
            if self.peek().kind == "AND":
                self.take()
            operands.append(self.parse_not())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def parse_not(self) -> Node:
        if self.peek().kind == "NOT":
            self.take()
            return Not(self.parse_not())
        return self.parse_operand()

    def parse_operand(self) -> Node:
        token = self.take()
        if token.kind in ("TERM", "PHRASE", "REGEX"):
            return make_leaf(token.kind.lower(), token.text, self.query, token.position)
        if token.kind == "(":
            if self.peek().kind == ")":
                raise self.error('empty parentheses "()"', token)
            node = self.parse_or()
            if self.peek().kind != ")":
                raise self.error('this "(" is never closed', token)
            self.take()
            return node
        previous = self.tokens[self.at - 2] if self.at >= 2 else None
        if token.kind == "END":
            after = f" after {previous.text!r}" if previous else ""
            raise self.error(f"the query ends{after}; a term is missing", token)
        if token.kind == ")":
            raise self.error('")" where a term was expected', token)
        if previous is not None and previous.kind in OPERATORS:
            raise self.error(f"{previous.text} must be followed by a term, not {token.text}", token)
        raise self.error(f"{token.text} needs a term before it", token)


@dataclass(frozen=True)
class Explanation:
    """Why a query matched or not: leaves found (`hits`) and leaves found under a NOT."""

    matched: bool
    hits: list[str]
    blocked: list[str]


@dataclass(frozen=True)
class Query:
    """A parsed, compiled query; `matches` and `explain` take folded text (`fold_text`)."""

    source: str
    root: Node

    def matches(self, text: str) -> bool:
        """Whether folded text satisfies the query."""
        return self.root.matches(text)

    def explain(self, text: str) -> Explanation:
        """Whether folded text matches, and which terms were found."""
        hits: list[str] = []
        blocked: list[str] = []
        self.root.collect(text, False, hits, blocked)
        return Explanation(self.root.matches(text), hits, blocked)

    def words(self) -> list[str]:
        """The folded words of its terms and phrases (for the tokenizer's user dictionary)."""
        return [w for leaf in self.root.leaves() for w in leaf.words]


def parse_query(query: str) -> Query:
    """Parse and compile a query; SchemeError with the position of the first problem."""
    return Query(query, _Parser(query).parse())
