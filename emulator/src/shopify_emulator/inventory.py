"""Inventory as Shopify names it: quantity names, levels per location, and checks on input.

Every item is stocked at the primary location, and at others where `Variant.other_levels` says
so; `available` and `on_hand` are a level's quantity (nothing is committed or reserved), the other
states 0. `Variant.inventory_quantity` is the sum over the levels, as Shopify's inventoryQuantity.
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
LEVEL_QUANTITY_NAMES = SETTABLE_QUANTITY_NAMES  # the states holding a level's units here


def stocked_at(store: Store, variant: Variant) -> list[int]:
    """The locations stocking the item, the primary first."""
    return [store.location_id, *sorted(variant.other_levels)]


def available_at(store: Store, variant: Variant, location_id: int) -> int | None:
    """The item's available units at a location; None where it is not stocked."""
    if location_id == store.location_id:
        return variant.inventory_quantity - sum(variant.other_levels.values())
    return variant.other_levels.get(location_id)


def set_available(store: Store, variant: Variant, location_id: int, quantity: int) -> int:
    """Set the available units at a location (stocking the item there if it was not); the delta."""
    before = available_at(store, variant, location_id) or 0
    if location_id != store.location_id:
        variant.other_levels[location_id] = quantity
    variant.inventory_quantity += quantity - before
    return quantity - before


def stock_everywhere(store: Store, variant: Variant, quantities: list[int]) -> None:
    """Spread a variant's stock: quantities[0] at the primary, the next at the other locations."""
    others = [i for i in store.locations if i != store.location_id]
    variant.other_levels = dict(zip(others, quantities[1:], strict=False))
    variant.inventory_quantity = sum(quantities[: len(others) + 1])


def shop_location_id(store: Store, location_gid: str) -> int | None:
    """The id of an active location of the shop, or None."""
    location_id = parse_numeric_gid(location_gid, "Location")
    location = store.locations.get(location_id) if location_id is not None else None
    return location.id if location is not None and location.is_active else None


def is_shop_location(store: Store, location_gid: str) -> bool:
    return shop_location_id(store, location_gid) is not None


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
