"""Value classes made in bulk: dataclasses frozen for the type checker, plain at run time.

A frozen dataclass's constructor sets each field through `object.__setattr__` (its own
`__setattr__` refuses), about three times the cost of a plain one's. Classes made by the
thousand on a hot path (a pulled product's snapshot parts, its normalised variants) take
`value_class` instead: mypy holds them frozen (no field assigned after construction), and they
are equal and hashed by their fields as a frozen dataclass is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar, dataclass_transform

__all__ = ["value_class"]

_T = TypeVar("_T")


@dataclass_transform(frozen_default=True)
def value_class(*, kw_only: bool = False, slots: bool = False) -> Callable[[type[_T]], type[_T]]:
    """`dataclass(frozen=True, kw_only=kw_only, slots=slots)` for the type checker."""

    def make(cls: type[_T]) -> type[_T]:
        return dataclass(kw_only=kw_only, slots=slots, unsafe_hash=True)(cls)

    return make
