"""Shopify global ids (`gid://shopify/Product/123`) and the id sequence."""

from __future__ import annotations

import random

GID_PREFIX = "gid://shopify/"


def make_gid(type_name: str, number: int | str) -> str:
    return f"{GID_PREFIX}{type_name}/{number}"


def parse_gid(value: str) -> tuple[str, str] | None:
    """Return (type, id part) for a well-formed gid, else None."""
    if not value.startswith(GID_PREFIX):
        return None
    rest = value[len(GID_PREFIX) :]
    type_name, sep, number = rest.partition("/")
    if not sep or not type_name or not number:
        return None
    return type_name, number.split("?", 1)[0]


def is_numeric_id(text: str) -> bool:
    """ASCII digits only: `str.isdigit` also accepts superscripts and other scripts' digits."""
    return text.isascii() and text.isdigit()


def parse_numeric_gid(value: str, expected_type: str | None = None) -> int | None:
    """Return the integer id of a gid of `expected_type` (any type when None), else None."""
    parsed = parse_gid(value)
    if parsed is None:
        return None
    type_name, number = parsed
    if expected_type is not None and type_name != expected_type:
        return None
    return int(number) if is_numeric_id(number) else None


class IdSequence:
    """Increasing ids above 2**53, so clients that parse ids as floats fail loudly in tests."""

    START = 788_032_119_674_292_000

    def __init__(self, last: int | None = None, seed: int | None = None) -> None:
        self.last = last if last is not None else self.START
        self._random = random.Random(seed)

    def next(self) -> int:
        self.last += 1 + self._random.getrandbits(6)
        return self.last
