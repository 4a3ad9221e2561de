"""Setting a mapped column only where the row's value differs.

SQLAlchemy handles every set of a mapped attribute as a change: the set records the row's
history and the flush then compares every such attribute of every such row, to find that an
equal value changed nothing. A write that sets all of a row's fields (an edit's variants, a
merge of Shopify's product) mostly sets what the row already holds; `assign` skips those, so
only the values that change cost a set, and a row with none is left out of the flush.

Skipped only where the row holds the value loaded (in its `__dict__`, as the flush would
compare it) and equal, of the same type (`True` is not `1`, and an int is not a Decimal): a
new row, or an attribute not loaded, is set as before, so a new row's defaults never stand in
for a value set to None.
"""

from __future__ import annotations

from typing import Any

__all__ = ["assign"]

_MISSING = object()


def assign(row: Any, name: str, value: object) -> None:
    """`setattr(row, name, value)` unless `row` already holds an equal `value` of its type."""
    held = row.__dict__.get(name, _MISSING)
    if held is _MISSING or type(held) is not type(value) or held != value:
        setattr(row, name, value)
