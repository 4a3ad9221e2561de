"""Weights in Shopify's units, and the one rounding of them to whole grams.

Here, not in `models`, so that the Admin API mapping (`shopify/`, which imports only these
generic helpers) rounds a pulled weight exactly as the product write does.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from enum import StrEnum


class WeightUnit(StrEnum):
    """Shopify's `WeightUnit`; a weight keeps the unit it was given in."""

    grams = "GRAMS"
    kilograms = "KILOGRAMS"
    ounces = "OUNCES"
    pounds = "POUNDS"


GRAMS_PER_UNIT: dict[WeightUnit, Decimal] = {
    WeightUnit.grams: Decimal(1),
    WeightUnit.kilograms: Decimal(1000),
    WeightUnit.ounces: Decimal("28.349523125"),
    WeightUnit.pounds: Decimal("453.59237"),
}
_GRAMS_PER_UNIT_TEXT: dict[str, Decimal] = {
    unit.value: factor for unit, factor in GRAMS_PER_UNIT.items()
}


def whole_grams(value: Decimal | None, unit: str | None) -> int | None:
    """A weight in whole grams (for what thinks in grams: rules, the legacy CSV column)."""
    if value is None:
        return None
    return _whole_grams(value, unit)


@functools.lru_cache(maxsize=4096)
def _whole_grams(value: Decimal, unit: str | None) -> int:
    """`whole_grams` of a weight: each distinct one once (weights repeat across a catalog, and a
    pulled variant's is read for its request, its base and its audit entry; equal values give
    equal grams; an error is not kept, so it is raised anew)."""
    # By the unit's text first: making the enum member cost more than the rest (a pull calls
    # this a few times per variant); an unknown unit still raises as `WeightUnit` does.
    name = unit or WeightUnit.grams
    factor = _GRAMS_PER_UNIT_TEXT.get(name)
    if factor is None:
        factor = GRAMS_PER_UNIT[WeightUnit(name)]
    return int((Decimal(value) * factor).to_integral_value())
