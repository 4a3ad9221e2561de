"""Parse Shopify search syntax: `field:value`, comparators, AND/OR/NOT, -negation, quotes."""

from __future__ import annotations

from dataclasses import dataclass


class SearchSyntaxError(ValueError):
    """A query string that cannot be parsed (unbalanced parentheses or quotes)."""


@dataclass(frozen=True)
class Term:
    field: str | None
    op: str  # ":", ">", "<", ">=", "<="
    value: str
    quoted: bool = False


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    nodes: tuple[Node, ...]


Node = Term | Not | And | Or

_OPS = (">=", "<=", ">", "<", "=")


def _tokenize(text: str) -> list[str | Term]:
    tokens: list[str | Term] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(ch)
            i += 1
        elif ch == "-" and i + 1 < n and not text[i + 1].isspace():
            tokens.append("-")
            i += 1
        else:
            term, i = _read_term(text, i)
            if term.field is None and not term.quoted and term.value in ("AND", "OR", "NOT"):
                tokens.append(term.value)
            else:
                tokens.append(term)
    return tokens


def _read_quoted(text: str, i: int) -> tuple[str, int]:
    quote = text[i]
    end = text.find(quote, i + 1)
    if end < 0:
        raise SearchSyntaxError("Unterminated quoted value")
    return text[i + 1 : end], end + 1


def _read_bare(text: str, i: int) -> tuple[str, int]:
    start = i
    while i < len(text) and not text[i].isspace() and text[i] not in "()":
        i += 1
    return text[start:i], i


def _read_term(text: str, i: int) -> tuple[Term, int]:
    if text[i] in "\"'":
        value, i = _read_quoted(text, i)
        return Term(None, ":", value, quoted=True), i
    start = i
    while i < len(text) and (text[i].isalnum() or text[i] in "_."):
        i += 1
    if i < len(text) and text[i] == ":" and i > start:
        field = text[start:i].lower()
        i += 1
        op = ":"
        for candidate in _OPS:
            if text.startswith(candidate, i):
                op = "=" if candidate == "=" else candidate
                i += len(candidate)
                break
        op = ":" if op == "=" else op
        if i < len(text) and text[i] in "\"'":
            value, i = _read_quoted(text, i)
            return Term(field, op, value, quoted=True), i
        value, i = _read_bare(text, i)
        return Term(field, op, value), i
    value, i = _read_bare(text, start)
    return Term(None, ":", value), i


class _Parser:
    def __init__(self, tokens: list[str | Term]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | Term | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str | Term | None:
        token = self.peek()
        self.pos += 1
        return token

    def parse_or(self) -> Node:
        nodes = [self.parse_and()]
        while self.peek() == "OR":
            self.take()
            nodes.append(self.parse_and())
        return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))

    def parse_and(self) -> Node:
        nodes = [self.parse_unary()]
        while True:
            token = self.peek()
            if token == "AND":
                self.take()
                nodes.append(self.parse_unary())
            elif token is None or token in ("OR", ")"):
                break
            else:
                nodes.append(self.parse_unary())
        return nodes[0] if len(nodes) == 1 else And(tuple(nodes))

    def parse_unary(self) -> Node:
        token = self.take()
        if token in ("NOT", "-"):
            return Not(self.parse_unary())
        if token == "(":
            node = self.parse_or()
            if self.take() != ")":
                raise SearchSyntaxError("Unbalanced parentheses")
            return node
        if isinstance(token, Term):
            return token
        raise SearchSyntaxError(f"Unexpected token {token!r}")


def parse_query(text: str | None) -> Node | None:
    """Parse a search query; None for an empty query (matches everything)."""
    if text is None or not text.strip():
        return None
    tokens = _tokenize(text)
    if not tokens:
        return None
    parser = _Parser(tokens)
    node = parser.parse_or()
    if parser.peek() is not None:
        raise SearchSyntaxError("Unbalanced parentheses")
    return node
