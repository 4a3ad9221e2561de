from __future__ import annotations

from decimal import Decimal

import pytest

from product_dashboard.kit.money import to_cents
from product_dashboard.kit.numbers import parse_decimal, parse_integer

pytestmark = pytest.mark.quick


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("19.99", Decimal("19.99")),
        (" -3 ", Decimal(-3)),
        ("+.5", Decimal("0.5")),
        ("1.5e3", Decimal(1500)),
        ("19.990000000000", Decimal("19.99")),  # trailing zeros are not decimals
        ("0e999999", Decimal(0)),
        (12, Decimal(12)),
        (0.1, Decimal("0.1")),  # the float's shortest text, not its binary expansion
        (Decimal("2.50"), Decimal("2.50")),
        ("999999999999999", Decimal(999_999_999_999_999)),
    ],
)
def test_numbers_within_bounds_are_read(
    given: str | int | float | Decimal, expected: Decimal
) -> None:
    assert parse_decimal(given) == expected


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("1e300000", "too large"),
        ("-1e16", "too large"),
        ("1000000000000000", "too large"),
        (10**15, "too large"),
        (1e308, "too large"),
        (Decimal("1e300000"), "too large"),
        ("1e-300000", "decimal places"),
        ("0.0000000001", "decimal places"),
        ("1" * 65, "too long"),
        ("NaN", "must be a number"),
        ("Infinity", "must be a number"),
        (float("nan"), "finite"),
        (Decimal("NaN"), "finite"),
        ("1,5", "must be a number"),
        ("0x10", "must be a number"),
        ("1e1234567", "must be a number"),  # exponent with more digits than any real number needs
        (True, "true or false"),
    ],
)
def test_numbers_outside_bounds_are_refused(given: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_decimal(given)  # type: ignore[arg-type]


def test_integers() -> None:
    assert parse_integer("12") == 12
    assert parse_integer("12.0") == 12
    assert parse_integer("1e3") == 1000
    with pytest.raises(ValueError, match="whole number"):
        parse_integer("1.5")
    with pytest.raises(ValueError, match="too large"):
        parse_integer("1e300000")


def test_prices_are_bounded_before_any_arithmetic() -> None:
    assert to_cents("19.99") == 1999
    assert to_cents(5) == 500
    for bad in ("1e300000", "1e308", "NaN", "19.999"):
        with pytest.raises(ValueError):
            to_cents(bad)
