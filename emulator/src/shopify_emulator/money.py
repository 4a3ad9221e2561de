"""Money: Decimal internally; on the wire, strings with the shop currency's decimals ("19.99";
"12.345" in a store in Kuwaiti dinars), set per request by `currency_places`."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation

TWO_PLACES = Decimal("0.01")
# ISO 4217 currencies of three decimals a Shopify store can hold; every other one shows two.
THREE_DECIMAL_CURRENCIES = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})
_PLACES: ContextVar[Decimal] = ContextVar("money_places", default=TWO_PLACES)


@contextmanager
def currency_places(currency_code: str) -> Iterator[None]:
    """Amounts formatted within (and in tasks started within) show `currency_code`'s decimals."""
    places = Decimal("0.001") if currency_code in THREE_DECIMAL_CURRENCIES else TWO_PLACES
    token = _PLACES.set(places)
    try:
        yield
    finally:
        _PLACES.reset(token)


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
    """Render an amount the way Shopify's Money scalar does: "19.99", "20.00" ("12.345" in a
    currency of three decimals)."""
    return str(amount.quantize(_PLACES.get()))


def format_decimal(amount: Decimal) -> str:
    """Render a Decimal scalar without forcing two places."""
    text = format(amount.normalize(), "f")
    return text if "." in text else f"{text}.0"
