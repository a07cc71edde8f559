"""Qualification conditions such as ``fit >= 30 and engagement >= 40``: a tiny, safe language.

Grammar (no ``eval``; nothing but these tokens)::

    condition  := any
    any        := all ("or" all)*
    all        := negation ("and" negation)*
    negation   := "not" negation | "(" any ")" | comparison
    comparison := NAME (">=" | "<=" | ">" | "<" | "==") NUMBER

Names are the lead's scores: ``fit``, ``engagement`` (decayed), ``score`` (the combined score) and
``p_convert`` (the predictive model's probability, 0..1). ``≥``, ``≤`` and ``=`` are accepted for
``>=``, ``<=`` and ``==``. A comparison on a score the lead does not have (no model yet: ``p_convert``)
is false.
"""

from __future__ import annotations

import difflib
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from revbridge.domain.durations import number_text

SCORE_NAMES: tuple[str, ...] = ("fit", "engagement", "score", "p_convert")
Op = Literal[">=", "<=", ">", "<", "=="]
_OPS: dict[str, Op] = {
    ">=": ">=",
    "<=": "<=",
    ">": ">",
    "<": "<",
    "==": "==",
    "=": "==",
    "≥": ">=",
    "≤": "<=",
}
_COMPARE: dict[Op, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
}
_PRETTY: dict[Op, str] = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "="}
_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d+)?|\.\d+)|(?P<op>>=|<=|==|=|≥|≤|>|<)|(?P<word>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<paren>[()])|(?P<other>\S))"
)
EXAMPLE = "a condition like 'fit >= 30 and engagement >= 40'"


class ConditionInvalid(ValueError):
    """A condition that cannot be read; the message names the wrong token and its column."""


@dataclass(frozen=True, slots=True)
class Comparison:
    name: str
    op: Op
    value: float

    def holds(self, scores: Mapping[str, float | None]) -> bool:
        have = scores.get(self.name)
        return have is not None and _COMPARE[self.op](have, self.value)

    def render(self, pretty: bool) -> str:
        op = _PRETTY[self.op] if pretty else self.op
        return f"{self.name} {op} {number_text(self.value)}"


@dataclass(frozen=True, slots=True)
class Not:
    part: Node

    def holds(self, scores: Mapping[str, float | None]) -> bool:
        return not self.part.holds(scores)

    def render(self, pretty: bool) -> str:
        inner = self.part.render(pretty)
        return f"not {inner}" if isinstance(self.part, Comparison | Not) else f"not ({inner})"


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Node, ...]

    def holds(self, scores: Mapping[str, float | None]) -> bool:
        return all(p.holds(scores) for p in self.parts)

    def render(self, pretty: bool) -> str:
        return " and ".join(f"({p.render(pretty)})" if isinstance(p, AnyOf) else p.render(pretty) for p in self.parts)


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Node, ...]

    def holds(self, scores: Mapping[str, float | None]) -> bool:
        return any(p.holds(scores) for p in self.parts)

    def render(self, pretty: bool) -> str:
        return " or ".join(p.render(pretty) for p in self.parts)


Node = Comparison | Not | AllOf | AnyOf


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed condition. ``str()`` gives the canonical text, ``pretty()`` the same with ≥ and ≤."""

    root: Node

    def holds(self, scores: Mapping[str, float | None]) -> bool:
        """Whether the lead's scores (``{"fit": 35, "engagement": 41.2, ...}``) meet the condition."""
        return self.root.holds(scores)

    def comparisons(self) -> tuple[Comparison, ...]:
        return tuple(_comparisons(self.root))

    @property
    def names(self) -> frozenset[str]:
        return frozenset(c.name for c in self.comparisons())

    def same_shape(self, other: Condition) -> bool:
        """Whether the two differ at most in their comparisons' operators and numbers."""
        return _shape(self.root) == _shape(other.root)

    def pretty(self) -> str:
        return self.root.render(pretty=True)

    def __str__(self) -> str:
        return self.root.render(pretty=False)


def _comparisons(node: Node) -> Iterator[Comparison]:
    if isinstance(node, Comparison):
        yield node
    elif isinstance(node, Not):
        yield from _comparisons(node.part)
    else:
        for part in node.parts:
            yield from _comparisons(part)


def _shape(node: Node) -> object:
    if isinstance(node, Comparison):
        return node.name
    if isinstance(node, Not):
        return ("not", _shape(node.part))
    return (type(node).__name__, tuple(_shape(p) for p in node.parts))


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # number | op | word | paren | other | end
    text: str
    column: int  # 1-based

    def shown(self) -> str:
        return "the end of the condition" if self.kind == "end" else repr(self.text)


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind is None:  # trailing blanks
            continue
        found.append(_Token(kind, match.group(kind), match.start(kind) + 1))
    found.append(_Token("end", "", len(text.rstrip()) + 1))
    return found


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token.kind == "word" and token.text.lower() == word:
            self.at += 1
            return True
        return False

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise ConditionInvalid(f"expected {EXAMPLE}, got nothing")
        node = self.disjunction()
        token = self.peek()
        if token.kind == "paren" and token.text == ")":
            raise ConditionInvalid(f"unexpected ')' at column {token.column}: no '(' opens it")
        if token.kind == "other":
            raise ConditionInvalid(_odd_character(token))
        if token.kind != "end":
            raise ConditionInvalid(
                f"unexpected {token.shown()} at column {token.column}; join comparisons with 'and' or 'or'"
            )
        return node

    def disjunction(self) -> Node:
        """``a or b or c``; nested groups of the same kind are flattened: ``a or (b or c)`` is the same."""
        parts = [self.conjunction()]
        while self.keyword("or"):
            parts.append(self.conjunction())
        if len(parts) == 1:
            return parts[0]
        return AnyOf(tuple(q for p in parts for q in (p.parts if isinstance(p, AnyOf) else (p,))))

    def conjunction(self) -> Node:
        parts = [self.negation()]
        while self.keyword("and"):
            parts.append(self.negation())
        if len(parts) == 1:
            return parts[0]
        return AllOf(tuple(q for p in parts for q in (p.parts if isinstance(p, AllOf) else (p,))))

    def negation(self) -> Node:
        if self.keyword("not"):
            return Not(self.negation())
        token = self.peek()
        if token.kind == "paren" and token.text == "(":
            self.take()
            node = self.disjunction()
            close = self.take()
            if not (close.kind == "paren" and close.text == ")"):
                raise ConditionInvalid(
                    f"expected ')' at column {close.column} to close the '(' at column {token.column}, "
                    f"got {close.shown()}"
                )
            return node
        return self.comparison()

    def comparison(self) -> Comparison:
        name = self.take()
        if name.kind == "other":
            raise ConditionInvalid(_odd_character(name))
        if name.kind != "word" or name.text.lower() in ("and", "or", "not"):
            raise ConditionInvalid(f"expected a score name ({_names()}) at column {name.column}, got {name.shown()}")
        if name.text.lower() not in SCORE_NAMES:
            close = difflib.get_close_matches(name.text.lower(), SCORE_NAMES, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ConditionInvalid(f"unknown score {name.text!r} at column {name.column}; {hint}expected {_names()}")
        op = self.take()
        if op.kind != "op":
            raise ConditionInvalid(
                f"expected an operator (>=, <=, >, <, ==) after {name.text!r} at column {op.column}, got {op.shown()}"
            )
        number = self.take()
        if number.kind != "number":
            raise ConditionInvalid(
                f"expected a number after {op.text!r} at column {number.column}, got {number.shown()}"
            )
        value = float(number.text)
        if name.text.lower() == "p_convert" and not 0 <= value <= 1:
            raise ConditionInvalid(
                f"p_convert is a probability: compare it with a number from 0 to 1, got {number.text} "
                f"at column {number.column}"
            )
        return Comparison(name.text.lower(), _OPS[op.text], int(value) if value.is_integer() else value)


def _odd_character(token: _Token) -> str:
    return f"unexpected character {token.text!r} at column {token.column}; use and, or, not and parentheses"


def _names() -> str:
    return ", ".join(SCORE_NAMES[:-1]) + " or " + SCORE_NAMES[-1]


def parse_condition(text: str) -> Condition:
    """Parse ``text``; raises ``ConditionInvalid`` naming the wrong token and its column."""
    return Condition(_Parser(text).parse())
