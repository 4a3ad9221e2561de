"""Applying ProductVariantSetInput / ProductVariantsBulkInput fields to a variant."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from shopify_emulator.catalog.common import build_metafields
from shopify_emulator.models import UserError, Variant
from shopify_emulator.money import MAX_PRICE
from shopify_emulator.store import Store


def new_variant(store: Store, product_id: int, values: list[str], now: datetime) -> Variant:
    return Variant(
        id=store.ids.next(),
        product_id=product_id,
        inventory_item_id=store.ids.next(),
        title=" / ".join(values),
        option_values=list(values),
        price=Decimal("0.00"),
        created_at=now,
        updated_at=now,
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
) -> None:
    """Set the given fields; omitted fields keep their value. Errors go to `errors`."""
    for key in ("price", "compareAtPrice"):
        if key not in item:
            continue
        amount: Decimal | None = item[key]
        if amount is None:
            if key == "price":
                errors.append(UserError([*path, key], "Price can't be blank", code))
            else:
                variant.compare_at_price = None
            continue
        if amount < 0:
            label = "Price" if key == "price" else "Compare at price"
            errors.append(
                UserError(
                    [*path, key],
                    f"{label} must be greater than or equal to 0",
                    negative_price_code or code,
                )
            )
            continue
        if amount >= MAX_PRICE:
            errors.append(
                UserError([*path, key], "Price must be less than 1000000000000000000", code)
            )
            continue
        if key == "price":
            variant.price = amount
        else:
            variant.compare_at_price = amount
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
    inventory_item = item.get("inventoryItem")
    if inventory_item:
        _apply_inventory_item(variant, inventory_item)
    quantities = item.get("inventoryQuantities")
    if quantities:
        variant.inventory_quantity = sum(_quantity_of(q) for q in quantities)
    if item.get("metafields") is not None:
        variant.metafields = build_metafields(
            store, item["metafields"], variant.metafields, now, [*path, "metafields"], errors, code
        )


def _quantity_of(entry: dict[str, Any]) -> int:
    # ProductSetInventoryInput has `quantity`; InventoryLevelInput has `availableQuantity`.
    return int(entry.get("quantity", entry.get("availableQuantity", 0)))


def _apply_inventory_item(variant: Variant, data: dict[str, Any]) -> None:
    if "sku" in data:
        variant.sku = data["sku"] or None
    if data.get("tracked") is not None:
        variant.tracked = bool(data["tracked"])
    if data.get("requiresShipping") is not None:
        variant.requires_shipping = bool(data["requiresShipping"])
    if "cost" in data:
        variant.unit_cost = data["cost"]
    measurement = data.get("measurement")
    if measurement and measurement.get("weight"):
        weight = measurement["weight"]
        variant.weight = float(weight["value"])
        variant.weight_unit = weight["unit"]
