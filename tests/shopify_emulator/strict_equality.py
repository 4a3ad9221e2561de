"""Equality strict enough for differential tests: same types, same dict key order."""

from __future__ import annotations

import math
from typing import Any


def same(left: Any, right: Any) -> bool:
    """Equal, of the same types, dict keys in the same order (NaN equals NaN)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(same(left[k], right[k]) for k in left)
    if isinstance(left, list | tuple):
        return len(left) == len(right) and all(map(same, left, right))
    if isinstance(left, float) and math.isnan(left):
        return math.isnan(right)
    return left is right or bool(left == right)
