"""Money: Decimal internally, Shopify's two-decimal strings on the wire."""

from __future__ import annotations

import functools
from decimal import Decimal, InvalidOperation

TWO_PLACES = Decimal("0.01")
MAX_PRICE = Decimal("1000000000000000000")


class MoneyError(ValueError):
    """A value that cannot be read as an amount of money."""


def parse_money(value: object) -> Decimal:
    """Read a Money input (string or number) as Decimal; raise MoneyError when malformed."""
    if type(value) is str:
        return _parse_text(value)
    return _parse_amount(value)


# Prices repeat across variants and products; Decimals are immutable, so parsed texts are kept.
@functools.lru_cache(maxsize=4096)
def _parse_text(value: str) -> Decimal:
    return _parse_amount(value)


def _parse_amount(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise MoneyError(f"Could not coerce value {value!r} to Money")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise MoneyError(f"Could not coerce value {value!r} to Money") from exc
    if not amount.is_finite():
        raise MoneyError(f"Could not coerce value {value!r} to Money")
    return amount


def format_money(amount: Decimal) -> str:
    """Render an amount the way Shopify's Money scalar does: "19.99", "20.00"."""
    return str(amount.quantize(TWO_PLACES))


def format_decimal(amount: Decimal) -> str:
    """Render a Decimal scalar without forcing two places."""
    text = format(amount.normalize(), "f")
    return text if "." in text else f"{text}.0"
