"""Money inputs parse the same way every time (parsed texts are remembered)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shopify_emulator.money import MoneyError, parse_money

pytestmark = pytest.mark.quick


@pytest.mark.parametrize(
    ("value", "amount"),
    [("12.99", Decimal("12.99")), (" 3 ", Decimal("3")), ("1e3", Decimal("1000")), (5, Decimal(5))],
)
def test_amounts_parse_alike_on_every_call(value: object, amount: Decimal) -> None:
    first, second = parse_money(value), parse_money(value)
    assert first == second == amount
    assert str(first) == str(second)


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", "", True, None, [1]])
def test_malformed_amounts_fail_on_every_call(value: object) -> None:
    for _ in range(2):
        with pytest.raises(MoneyError):
            parse_money(value)
