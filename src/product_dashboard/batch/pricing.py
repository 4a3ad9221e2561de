"""Price changes as SQL expressions: set, ±amount, ±percent, endings (.99), floor, compare-at.

All arithmetic is on integer cents, widened to BIGINT; percentages are basis points, rounded half
up. The order is: change → ending → floor. Endings pick the nearest price with that ending by
default (20.37 → 19.99 for .99; ties go up), or the next one up or down.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import BigInteger, ColumnElement, Select, Subquery, case, cast, null, select

from product_dashboard.batch.sql import big, param
from product_dashboard.kit.money import to_cents
from product_dashboard.kit.numbers import is_ascii_digits
from product_dashboard.models import ProductVariant

# Typed: an untyped NULL in a SELECT list is text to PostgreSQL, which then cannot compare it
# with the old compare-at (bigint) when staging a "clear".
_NO_COMPARE_AT = cast(null(), BigInteger)


def _cents(value: Decimal | None) -> int | None:
    return None if value is None else to_cents(value)


class Rounding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ending: str = Field(description='Cents every price ends with: ".99", ".95", ".00"…')
    direction: Literal["nearest", "up", "down"] = "nearest"

    @field_validator("ending")
    @classmethod
    def _two_digits(cls, value: str) -> str:
        digits = value.strip().removeprefix("0").removeprefix(".")
        if len(digits) != 2 or not is_ascii_digits(digits):
            raise ValueError('must be two decimal digits such as ".99", ".95" or ".00"')
        return f".{digits}"

    @property
    def cents(self) -> int:
        return int(self.ending[1:])


class PricingChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operation: Literal["set", "increase", "decrease"]
    amount: Decimal | None = Field(
        default=None, ge=0, max_digits=12, decimal_places=2, description="For set or ±amount"
    )
    percent: Decimal | None = Field(
        default=None, gt=0, le=1000, max_digits=6, decimal_places=2, description="For ±percent"
    )
    rounding: Rounding | None = None
    floor: Decimal | None = Field(
        default=None, ge=0, max_digits=12, decimal_places=2, description="No price goes below"
    )
    compare_at: Literal["keep", "clear", "from_old_price"] = Field(
        default="keep",
        description="keep; clear; or from_old_price: a lowered price shows the old one as "
        "compare-at (a sale)",
    )

    @model_validator(mode="after")
    def _consistent(self) -> PricingChange:
        if self.operation == "set":
            if self.amount is None or self.percent is not None:
                raise ValueError("'set' takes an amount (and no percent)")
        elif (self.amount is None) == (self.percent is None):
            raise ValueError(f"'{self.operation}' takes either an amount or a percent")
        if self.operation == "decrease" and self.percent is not None and self.percent > 100:
            raise ValueError("a decrease cannot exceed 100 percent")
        return self

    # -- SQL ------------------------------------------------------------------------------------

    def _changed(self, price: ColumnElement[int]) -> ColumnElement[int]:
        if self.operation == "set":
            return param(_cents(self.amount), BigInteger())
        sign = 1 if self.operation == "increase" else -1
        if self.amount is not None:
            return price + sign * int(_cents(self.amount) or 0)
        basis_points = int((self.percent or Decimal(0)) * 100)
        factor = 10_000 + sign * basis_points
        return (price * factor + 5_000) // 10_000  # rounds half up (prices are never negative)

    def _base(self, price: ColumnElement[int]) -> ColumnElement[int]:
        """The price with its cents replaced by the ending (same whole units)."""
        assert self.rounding is not None
        return (price // 100) * 100 + self.rounding.cents

    def _ending(self, price: ColumnElement[int], base: ColumnElement[int]) -> ColumnElement[int]:
        assert self.rounding is not None
        down = case((base <= price, base), else_=base - 100)
        up = case((base >= price, base), else_=base + 100)
        if self.rounding.direction == "up":
            return up
        if self.rounding.direction == "down":
            return case((down < 0, up), else_=down)
        return case((down < 0, up), ((price - down) < (up - price), down), else_=up)

    def _floor(self, price: ColumnElement[int]) -> ColumnElement[int]:
        floor = _cents(self.floor)
        if floor is None:
            return price
        return case((price < floor, param(floor, BigInteger())), else_=price)

    def new_price(self, price: Any = ProductVariant.price_cents) -> ColumnElement[int]:
        """The new price as one expression (fine for a few rows; see `layered` for many)."""
        changed = self._changed(big(price))
        if self.rounding is not None:
            changed = self._ending(changed, self._base(changed))
        return self._floor(changed)

    def layered(self, source: Select[*tuple[Any, ...]], prices: dict[str, str]) -> Subquery:
        """`source`'s columns plus, for each `input: output` in `prices`, the new price.

        As one expression the price repeats its sub-expressions dozens of times (the ending
        compares the changed price with two candidates). Computed in layers instead, each step
        once per row: `OFFSET 0` keeps SQLite and PostgreSQL from merging a layer into the next.
        A layer carries only the source's columns and what the next step reads.
        """
        layer = source.offset(0).subquery()
        kept = [column.key for column in layer.c]
        outputs = list(prices.values())

        def next_layer(
            values: dict[str, ColumnElement[Any]], carry: tuple[str, ...] = ()
        ) -> Subquery:
            columns = [layer.c[k] for k in kept] + [layer.c[k] for k in carry]
            labeled = [v.label(k) for k, v in values.items()]
            return select(*columns, *labeled).offset(0).subquery()

        def last(values: dict[str, ColumnElement[Any]]) -> dict[str, ColumnElement[Any]]:
            """The final step; without a floor it is the output itself (no extra layer)."""
            return (
                values
                if self.floor is not None
                else dict(zip(outputs, values.values(), strict=True))
            )

        changed = {f"_c_{o}": self._changed(big(layer.c[i])) for i, o in prices.items()}
        if self.rounding is None:
            layer = next_layer(last(changed))
            final = "_c_"
        else:
            layer = next_layer(changed)
            bases = {f"_b_{o}": self._base(layer.c[f"_c_{o}"]) for o in outputs}
            layer = next_layer(bases, carry=tuple(f"_c_{o}" for o in outputs))
            endings = {
                f"_e_{o}": self._ending(layer.c[f"_c_{o}"], layer.c[f"_b_{o}"]) for o in outputs
            }
            layer = next_layer(last(endings))
            final = "_e_"
        if self.floor is None:
            return layer
        return next_layer({o: self._floor(layer.c[f"{final}{o}"]) for o in outputs})

    def compare_at_from(
        self, new_price: Any, old_price: Any, old_compare_at: Any
    ) -> ColumnElement[Any]:
        if self.compare_at == "clear":
            return _NO_COMPARE_AT
        if self.compare_at == "from_old_price":
            return case((new_price < old_price, old_price), else_=old_compare_at)
        return old_compare_at

    def new_compare_at(
        self,
        price: Any = ProductVariant.price_cents,
        compare_at: Any = ProductVariant.compare_at_price_cents,
    ) -> ColumnElement[Any]:
        if self.compare_at == "clear":
            return _NO_COMPARE_AT
        if self.compare_at == "from_old_price":
            return case((self.new_price(price) < big(price), big(price)), else_=big(compare_at))
        return big(compare_at)
