"""Inventory as Shopify names it: quantity names, the shop's location, and checks on input.

The emulated shop stocks every variant at its one location, so an inventory item has exactly
one inventory level; `available` and `on_hand` are the variant's quantity, the other states 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shopify_emulator.gid import parse_numeric_gid
from shopify_emulator.models import UserError, Variant
from shopify_emulator.store import Store

# Shopify's inventory states (https://shopify.dev/docs/apps/build/orders-fulfillment/inventory-management-apps#inventory-states).
QUANTITY_NAMES = (
    "available",
    "committed",
    "damaged",
    "incoming",
    "on_hand",
    "quality_control",
    "reserved",
    "safety_stock",
)
# ProductSetInventoryInput.name and inventorySetQuantities' name: "Must be one of `available` or
# `on_hand`."
SETTABLE_QUANTITY_NAMES = ("available", "on_hand")


def quantity_of(variant: Variant, name: str) -> int:
    return variant.inventory_quantity if name in ("available", "on_hand") else 0


def is_shop_location(store: Store, location_gid: str) -> bool:
    return parse_numeric_gid(location_gid, "Location") == store.location_id


def inventory_input_errors(
    store: Store,
    entries: Iterable[dict[str, Any]],
    path: list[str],
    *,
    names: Iterable[str] | None,
    location_code: str | None,
    name_code: str | None,
) -> list[UserError]:
    """Errors for quantities naming an unknown location or (when `names` is given) state."""
    allowed = tuple(names) if names is not None else None
    errors: list[UserError] = []
    for index, entry in enumerate(entries):
        where = [*path, str(index)]
        if not is_shop_location(store, entry["locationId"]):
            errors.append(
                UserError(
                    [*where, "locationId"],
                    "Quantity could not be set. The location was not found.",
                    location_code,
                )
            )
        if allowed is not None and entry.get("name") not in allowed:
            errors.append(
                UserError(
                    [*where, "name"],
                    f"The quantity name must be one of: {', '.join(allowed)}.",
                    name_code,
                )
            )
    return errors
