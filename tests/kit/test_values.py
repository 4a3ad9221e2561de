"""`kit.values.value_class`: plain dataclasses at run time that compare and hash as frozen ones."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from product_dashboard.kit.values import value_class

pytestmark = pytest.mark.quick


@value_class(kw_only=True)
class _Price:
    amount: str
    currency: str | None = None


@dataclass(frozen=True, kw_only=True)
class _FrozenPrice:
    amount: str
    currency: str | None = None


@value_class(slots=True)
class _Pair:
    left: str
    right: tuple[str, ...]


def test_equal_and_hashed_by_their_fields_as_a_frozen_dataclass() -> None:
    prices = [("1.00", None), ("1.00", "EUR"), ("2.50", "EUR")]
    for amount, currency in prices:
        for other_amount, other_currency in prices:
            made = _Price(amount=amount, currency=currency)
            other = _Price(amount=other_amount, currency=other_currency)
            frozen = _FrozenPrice(amount=amount, currency=currency)
            frozen_other = _FrozenPrice(amount=other_amount, currency=other_currency)
            assert (made == other) is (frozen == frozen_other)
            assert (hash(made) == hash(other)) is (hash(frozen) == hash(frozen_other))
    assert len({_Pair("a", ("b",)), _Pair("a", ("b",)), _Pair("a", ("c",))}) == 2


def test_keyword_only_and_slots_as_asked() -> None:
    with pytest.raises(TypeError):
        _Price("1.00")  # type: ignore[misc]
    assert not hasattr(_Pair("a", ()), "__dict__")
    assert hasattr(_Price(amount="1.00"), "__dict__")  # orjson writes a dataclass from it
