"""Applying ProductVariantSetInput / ProductVariantsBulkInput fields to a variant."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from shopify_emulator.catalog.common import build_metafields
from shopify_emulator.catalog.unit_price import apply_unit_price_measurement
from shopify_emulator.inventory import (
    SETTABLE_QUANTITY_NAMES,
    inventory_input_errors,
    set_available,
    shop_location_id,
)
from shopify_emulator.models import UserError, Variant
from shopify_emulator.money import MAX_PRICE
from shopify_emulator.store import Store

_ZERO = Decimal("0.00")


def new_variant(store: Store, product_id: int, values: list[str], now: datetime) -> Variant:
    ids = store.ids
    # Positional: id, product_id, inventory_item_id, title, option_values, price, timestamps.
    return Variant(
        ids.next(), product_id, ids.next(), " / ".join(values), list(values), _ZERO, now, now
    )


def apply_variant_fields(
    store: Store,
    variant: Variant,
    item: dict[str, Any],
    path: list[str],
    errors: list[UserError],
    code: str | None,
    now: datetime,
    negative_price_code: str | None = None,
    location_code: str | None = None,
) -> None:
    """Set the given fields; omitted fields keep their value. Errors go to `errors`."""
    if "price" in item:
        price = _amount(item["price"], "price", path, errors, code, negative_price_code)
        if price is not None:
            variant.price = price
    if "compareAtPrice" in item:
        if item["compareAtPrice"] is None:
            variant.compare_at_price = None
        else:
            compare_at = _amount(
                item["compareAtPrice"], "compareAtPrice", path, errors, code, negative_price_code
            )
            if compare_at is not None:
                variant.compare_at_price = compare_at
    if "sku" in item:
        variant.sku = item["sku"] or None
    if "barcode" in item:
        variant.barcode = item["barcode"] or None
    if item.get("inventoryPolicy") is not None:
        variant.inventory_policy = item["inventoryPolicy"]
    if item.get("taxable") is not None:
        variant.taxable = bool(item["taxable"])
    if "taxCode" in item:
        variant.tax_code = item["taxCode"]
    if "unitPriceMeasurement" in item:
        apply_unit_price_measurement(variant, item["unitPriceMeasurement"], path, errors, code)
    if item.get("showUnitPrice") is not None:
        variant.show_unit_price = bool(item["showUnitPrice"])
    if item.get("requiresComponents") is not None:
        variant.requires_components = bool(item["requiresComponents"])
    inventory_item = item.get("inventoryItem")
    if inventory_item:
        _apply_inventory_item(variant, inventory_item, [*path, "inventoryItem"], errors, code)
    quantities = item.get("inventoryQuantities")
    if quantities:
        problems = inventory_input_errors(
            store,
            quantities,
            [*path, "inventoryQuantities"],
            # ProductSetInventoryInput names its quantity; InventoryLevelInput is `available`.
            names=SETTABLE_QUANTITY_NAMES if "name" in quantities[0] else None,
            location_code=location_code or code,
            name_code=code,
        )
        if problems:
            errors.extend(problems)
        else:
            for entry in quantities:
                location_id = shop_location_id(store, entry["locationId"])
                assert location_id is not None  # checked above
                set_available(store, variant, location_id, _quantity_of(entry))
    if item.get("metafields") is not None:
        variant.metafields = build_metafields(
            store, item["metafields"], variant.metafields, now, [*path, "metafields"], errors, code
        )


def _amount(
    amount: Decimal | None,
    key: str,
    path: list[str],
    errors: list[UserError],
    code: str | None,
    negative_price_code: str | None,
) -> Decimal | None:
    """A valid price or compare-at price, or None after appending its error."""
    if amount is None:
        errors.append(UserError([*path, key], "Price can't be blank", code))
        return None
    if amount < 0:
        label = "Price" if key == "price" else "Compare at price"
        errors.append(
            UserError(
                [*path, key],
                f"{label} must be greater than or equal to 0",
                negative_price_code or code,
            )
        )
        return None
    if amount >= MAX_PRICE:
        errors.append(UserError([*path, key], "Price must be less than 1000000000000000000", code))
        return None
    return amount


def country_hs_codes(
    given: list[dict[str, Any]] | None,
    path: list[str],
    errors: list[UserError],
    code: str | None,
) -> dict[str, str] | None:
    """InventoryItemInput.countryHarmonizedSystemCodes: the whole list (null or [] clears it),
    one code per country, each 6 to 13 digits as Shopify takes them (dots allowed between).
    None after appending an error."""
    codes: dict[str, str] = {}
    for index, entry in enumerate(given or ()):
        country = entry.get("countryCode")
        hs_code = (entry.get("harmonizedSystemCode") or "").strip()
        digits = hs_code.replace(".", "")
        if country is None:
            problem = "Country code is required for a country harmonized system code"
        elif country in codes:
            problem = f"Country code {country} is given more than once"
        elif not (digits.isdigit() and 6 <= len(digits) <= 13):
            problem = "Harmonized system code must be a number between 6 and 13 digits"
        else:
            codes[country] = hs_code
            continue
        errors.append(UserError([*path, str(index)], problem, code))
        return None
    return codes


def _quantity_of(entry: dict[str, Any]) -> int:
    # ProductSetInventoryInput has `quantity`; InventoryLevelInput has `availableQuantity`.
    return int(entry.get("quantity", entry.get("availableQuantity", 0)))


def _apply_inventory_item(
    variant: Variant,
    data: dict[str, Any],
    path: list[str],
    errors: list[UserError],
    code: str | None,
) -> None:
    if "sku" in data:
        variant.sku = data["sku"] or None
    if data.get("tracked") is not None:
        variant.tracked = bool(data["tracked"])
    if data.get("requiresShipping") is not None:
        variant.requires_shipping = bool(data["requiresShipping"])
    if "cost" in data:
        variant.unit_cost = data["cost"]
    if "countryCodeOfOrigin" in data:
        variant.country_code_of_origin = data["countryCodeOfOrigin"]
    if "harmonizedSystemCode" in data:
        variant.harmonized_system_code = data["harmonizedSystemCode"] or None
    if "provinceCodeOfOrigin" in data:
        variant.province_code_of_origin = data["provinceCodeOfOrigin"] or None
    if "countryHarmonizedSystemCodes" in data:
        codes = country_hs_codes(
            data["countryHarmonizedSystemCodes"],
            [*path, "countryHarmonizedSystemCodes"],
            errors,
            code,
        )
        if codes is not None:
            variant.country_hs_codes = codes
    measurement = data.get("measurement")
    if measurement and measurement.get("weight"):
        weight = measurement["weight"]
        variant.weight = float(weight["value"])
        variant.weight_unit = weight["unit"]
