"""A variant's unit price measurement (Shopify's `UnitPriceMeasurement`): "750 ML, priced per
100 ML". The shop shows the unit price from it; EU merchants must.

Here, not in `models` or `product`, so that the Admin API mapping (`shopify/`), the snapshot and
the product API read and check it alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Protocol

from product_dashboard.kit.assign import assign

__all__ = [
    "HoldsUnitPrice",
    "UnitPriceMeasure",
    "UnitPriceUnit",
    "measure_problem",
    "measured_type",
    "set_unit_price",
    "unit_price_of",
]


class UnitPriceUnit(StrEnum):
    """Shopify's `UnitPriceMeasurementMeasuredUnit` (2026-10), but UNKNOWN (never settable)."""

    mg = "MG"
    g = "G"
    kg = "KG"
    oz = "OZ"
    lb = "LB"
    ml = "ML"
    cl = "CL"
    l = "L"  # noqa: E741 - Shopify's own name
    m3 = "M3"
    floz = "FLOZ"
    pt = "PT"
    qt = "QT"
    gal = "GAL"
    mm = "MM"
    cm = "CM"
    m = "M"
    inch = "IN"
    ft = "FT"
    yd = "YD"
    m2 = "M2"
    ft2 = "FT2"
    item = "ITEM"


_MEASURED_TYPE = {
    **dict.fromkeys(("MG", "G", "KG", "OZ", "LB"), "WEIGHT"),
    **dict.fromkeys(("ML", "CL", "L", "M3", "FLOZ", "PT", "QT", "GAL"), "VOLUME"),
    **dict.fromkeys(("MM", "CM", "M", "IN", "FT", "YD"), "LENGTH"),
    **dict.fromkeys(("M2", "FT2"), "AREA"),
    "ITEM": "COUNT",
}


def measured_type(unit: str) -> str:
    """Shopify's `UnitPriceMeasurementMeasuredType` of a unit ("UNKNOWN" for one it has not)."""
    return _MEASURED_TYPE.get(unit, "UNKNOWN")


def measure_problem(
    quantity_value: Decimal, quantity_unit: str, reference_value: int, reference_unit: str
) -> str | None:
    """Why Shopify would refuse this measurement, None when it takes it."""
    if measured_type(quantity_unit) == "UNKNOWN" or measured_type(reference_unit) == "UNKNOWN":
        return "units must be Shopify unit price units (ML, L, G, KG, M, M2, ITEM …)"
    if measured_type(quantity_unit) != measured_type(reference_unit):
        return (
            f"quantity unit {quantity_unit} and reference unit {reference_unit} must measure "
            "the same thing (weight, volume, length, area or count)"
        )
    if quantity_value <= 0:
        return "quantity value must be greater than 0"
    if reference_value < 1:
        return "reference value must be at least 1"
    return None


@dataclass(frozen=True, slots=True)
class UnitPriceMeasure:
    """`quantity_value quantity_unit`, priced per `reference_value reference_unit`."""

    quantity_value: Decimal
    quantity_unit: str
    reference_value: int
    reference_unit: str

    def text(self) -> str:
        """One comparable value, as snapshots store it: "750 ML / 100 ML"."""
        quantity = format(self.quantity_value.normalize(), "f")
        return f"{quantity} {self.quantity_unit} / {self.reference_value} {self.reference_unit}"

    @classmethod
    def parse(cls, text: str) -> UnitPriceMeasure:
        """The measure `text()` wrote (ValueError for anything else)."""
        try:
            quantity, quantity_unit, slash, reference, reference_unit = text.split(" ")
            if slash != "/":
                raise ValueError
            return cls(Decimal(quantity), quantity_unit, int(reference), reference_unit)
        except (ValueError, InvalidOperation):
            raise ValueError(f"not a unit price measurement: {text!r}") from None

    @classmethod
    def of_columns(
        cls,
        quantity_value: Decimal | None,
        quantity_unit: str | None,
        reference_value: int | None,
        reference_unit: str | None,
    ) -> UnitPriceMeasure | None:
        """From the four stored columns; None unless all are set."""
        if quantity_value is None or quantity_unit is None:
            return None
        if reference_value is None or reference_unit is None:
            return None
        return cls(Decimal(quantity_value), quantity_unit, reference_value, reference_unit)

    @classmethod
    def of_shopify(cls, node: Mapping[str, Any] | None) -> UnitPriceMeasure | None:
        """From a `UnitPriceMeasurement` node; None when Shopify has none (or an incomplete
        one, which it does not take either)."""
        if not node or node.get("quantityUnit") in (None, "UNKNOWN"):
            return None
        if node.get("referenceUnit") in (None, "UNKNOWN") or node.get("quantityValue") is None:
            return None
        return cls(
            Decimal(str(node["quantityValue"])),
            str(node["quantityUnit"]),
            int(node.get("referenceValue") or 1),
            str(node["referenceUnit"]),
        )

    def to_shopify(self) -> dict[str, Any]:
        """As `UnitPriceMeasurementInput` takes it."""
        return {
            "quantityValue": float(self.quantity_value),
            "quantityUnit": self.quantity_unit,
            "referenceValue": self.reference_value,
            "referenceUnit": self.reference_unit,
        }

    def to_api(self) -> dict[str, Any]:
        """As the product API reads and takes it (JSON-able: audit entries store it too)."""
        return {
            "quantity_value": format(self.quantity_value.normalize(), "f"),
            "quantity_unit": self.quantity_unit,
            "reference_value": self.reference_value,
            "reference_unit": self.reference_unit,
        }


class HoldsUnitPrice(Protocol):
    """A variant row (the model's, or a new one's before it is written): the four columns."""

    unit_price_quantity_value: Decimal | None
    unit_price_quantity_unit: str | None
    unit_price_reference_value: int | None
    unit_price_reference_unit: str | None


def unit_price_of(row: HoldsUnitPrice) -> UnitPriceMeasure | None:
    return UnitPriceMeasure.of_columns(
        row.unit_price_quantity_value,
        row.unit_price_quantity_unit,
        row.unit_price_reference_value,
        row.unit_price_reference_unit,
    )


def set_unit_price(row: HoldsUnitPrice, measure: UnitPriceMeasure | None) -> None:
    """The four columns from `measure`; None clears them all."""
    if measure is None:
        for name in _COLUMNS:
            assign(row, name, None)
        return
    assign(row, "unit_price_quantity_value", measure.quantity_value)
    assign(row, "unit_price_quantity_unit", measure.quantity_unit)
    assign(row, "unit_price_reference_value", measure.reference_value)
    assign(row, "unit_price_reference_unit", measure.reference_unit)


_COLUMNS = (
    "unit_price_quantity_value",
    "unit_price_quantity_unit",
    "unit_price_reference_value",
    "unit_price_reference_unit",
)
