"""Money is integer minor units (cents) inside, a decimal string ("19.99") outside."""

from __future__ import annotations

import functools
from decimal import Decimal

from product_dashboard.kit.numbers import parse_decimal

CENT = Decimal("0.01")
# The largest amount the catalog takes: 10,000,000,000,000.00, as a store in rupiah or dong
# holds (a car is Rp 1,500,000,000); Shopify takes more, but cents stay below 2^53 so a price
# sent as a JSON number is still exact. The columns holding cents are 64-bit (`models.base.Cents`).
MAX_PRICE_CENTS = 1_000_000_000_000_000


def to_cents(value: str | int | float | Decimal) -> int:
    """Parse a price with at most two decimals into cents; raise ValueError otherwise."""
    if type(value) is str:
        return _text_to_cents(value)  # prices repeat across a catalog: each text read once
    return _to_cents(value)


def _to_cents(value: str | int | float | Decimal) -> int:
    try:
        amount = parse_decimal(value, max_fraction_digits=2)
    except ValueError as exc:
        raise ValueError(f"{value!r} {exc}") from None
    return int(amount * 100)


_text_to_cents = functools.lru_cache(maxsize=8192)(_to_cents)  # an error is not kept: raised anew


def from_cents(cents: int | None) -> str | None:
    if cents is None:
        return None
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"
