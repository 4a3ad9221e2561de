"""Numbers from people and files, bounded before any arithmetic touches them.

`Decimal("1e300000")` is cheap, but turning it into an integer (`int`, `math.floor`, `quantize`)
builds a 300,000-digit number: seconds of CPU on the event loop, quadratic in the exponent. Every
number that arrives as text (a rule condition, a CSV cell, a price) goes through `parse_decimal`
first, which refuses anything longer, larger or finer than a catalog ever needs.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

MAX_TEXT_LENGTH = 64
MAX_INTEGER_DIGITS = 15  # 10**15 cents (or grams, or units) still fits 64 bits a hundred times
MAX_FRACTION_DIGITS = 9

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,6})?")


def parse_decimal(
    value: str | int | float | Decimal,
    *,
    max_integer_digits: int = MAX_INTEGER_DIGITS,
    max_fraction_digits: int = MAX_FRACTION_DIGITS,
) -> Decimal:
    """`value` as a finite Decimal within the bounds; ValueError saying what is wrong otherwise.

    Accepts plain and scientific notation ("19.99", "-3", "1.5e3"); the bounds apply to the value,
    so "1e3" is fine and "1e16" is not. Trailing zeros after the point don't count as decimals.
    """
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    if isinstance(value, int):
        if abs(value) >= 10**max_integer_digits:
            raise ValueError(_too_large(max_integer_digits))
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        value = repr(value)
    number = _from_text(value) if isinstance(value, str) else value
    if not number.is_finite():
        raise ValueError("must be a finite number")
    if not number:
        return Decimal(0)  # also "0e999999", whose exponent no later step needs to see
    if number.adjusted() >= max_integer_digits:
        raise ValueError(_too_large(max_integer_digits))
    exponent = number.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite, checked above
    if -exponent > max_fraction_digits:
        raise ValueError(f"must have at most {max_fraction_digits} decimal places")
    return number


def _from_text(text: str) -> Decimal:
    text = text.strip()
    if len(text) > MAX_TEXT_LENGTH:
        raise ValueError(f"is too long for a number (at most {MAX_TEXT_LENGTH} characters)")
    if not _NUMBER.fullmatch(text):
        raise ValueError("must be a number such as 12 or 19.99")
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # the pattern admits only what Decimal reads; kept for safety
        raise ValueError("must be a number") from exc


def _too_large(max_integer_digits: int) -> str:
    return f"is too large (at most {max_integer_digits} digits before the decimal point)"


def parse_integer(value: str | int, *, max_digits: int = MAX_INTEGER_DIGITS) -> int:
    """A whole number ("12", "12.0", "1e3") within the bounds; ValueError otherwise."""
    number = parse_decimal(value, max_integer_digits=max_digits)
    if number != number.to_integral_value():
        raise ValueError("must be a whole number")
    return int(number)


__all__ = [
    "MAX_FRACTION_DIGITS",
    "MAX_INTEGER_DIGITS",
    "is_ascii_digits",
    "parse_decimal",
    "parse_integer",
]


def is_ascii_digits(text: str) -> bool:
    """One or more ASCII digits: `str.isdigit` also takes superscripts (which `int` refuses) and
    other scripts' digits."""
    return text.isascii() and text.isdigit()
