"""A variant's unit price measurement (UnitPriceMeasurementInput), checked as Shopify checks it:
both units given and of one measured type, a quantity above 0 and a whole reference of 1 or more.
`unitPriceMeasurement: null` clears it."""

from __future__ import annotations

from typing import Any

from shopify_emulator.models import UserError, Variant

__all__ = ["MEASURED_TYPES", "apply_unit_price_measurement", "unit_price_view"]

# UnitPriceMeasurementMeasuredUnit -> UnitPriceMeasurementMeasuredType (2026-10).
MEASURED_TYPES = {
    **dict.fromkeys(("MG", "G", "KG", "OZ", "LB"), "WEIGHT"),
    **dict.fromkeys(("ML", "CL", "L", "M3", "FLOZ", "PT", "QT", "GAL"), "VOLUME"),
    **dict.fromkeys(("MM", "CM", "M", "IN", "FT", "YD"), "LENGTH"),
    **dict.fromkeys(("M2", "FT2"), "AREA"),
    "ITEM": "COUNT",
}


def apply_unit_price_measurement(
    variant: Variant,
    given: dict[str, Any] | None,
    path: list[str],
    errors: list[UserError],
    code: str | None,
) -> None:
    path = [*path, "unitPriceMeasurement"]
    if given is None:
        variant.unit_price_quantity_value = variant.unit_price_reference_value = None
        variant.unit_price_quantity_unit = variant.unit_price_reference_unit = None
        return
    problem = _problem(given)
    if problem is not None:
        errors.append(UserError(path, problem, code))
        return
    variant.unit_price_quantity_value = float(given["quantityValue"])
    variant.unit_price_quantity_unit = given["quantityUnit"]
    variant.unit_price_reference_value = int(given["referenceValue"])
    variant.unit_price_reference_unit = given["referenceUnit"]


def _problem(given: dict[str, Any]) -> str | None:
    quantity_unit, reference_unit = given.get("quantityUnit"), given.get("referenceUnit")
    quantity, reference = given.get("quantityValue"), given.get("referenceValue")
    if quantity_unit is None or reference_unit is None or quantity is None or reference is None:
        return "Unit price measurement needs a quantity and a reference, each with its unit"
    measured = MEASURED_TYPES.get(quantity_unit)
    if measured is None or MEASURED_TYPES.get(reference_unit) is None:
        return "Unit price measurement units must be known units"
    if MEASURED_TYPES[reference_unit] != measured:
        return "Unit price measurement quantity unit and reference unit must measure the same type"
    if quantity <= 0:
        return "Unit price measurement quantity value must be greater than 0"
    if reference < 1:
        return "Unit price measurement reference value must be at least 1"
    return None


def unit_price_view(variant: Variant) -> dict[str, Any] | None:
    """ProductVariant.unitPriceMeasurement: None when the variant has none."""
    if variant.unit_price_quantity_unit is None:
        return None
    return {
        "measuredType": MEASURED_TYPES.get(variant.unit_price_quantity_unit, "UNKNOWN"),
        "quantityUnit": variant.unit_price_quantity_unit,
        "quantityValue": variant.unit_price_quantity_value,
        "referenceUnit": variant.unit_price_reference_unit,
        "referenceValue": variant.unit_price_reference_value,
    }
