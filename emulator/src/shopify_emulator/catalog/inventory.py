"""`inventorySetQuantities`: absolute quantities per item and location, compare-and-set.

Shopify 2026-10: each quantity carries `changeFromQuantity`, the quantity the caller expects to
replace. It must be given: a number makes the change conditional (a mismatch refuses the whole
request with `CHANGE_FROM_QUANTITY_STALE`), an explicit null opts out of the check. The old
`compareQuantity` / `ignoreCompareQuantity` are gone. Quantities are per location (an item not
yet stocked at an active location starts being stocked there); nothing is committed or reserved,
so `available` and `on_hand` are the same number.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shopify_emulator.clock import utc_now
from shopify_emulator.gid import make_gid, parse_numeric_gid
from shopify_emulator.inventory import (
    SETTABLE_QUANTITY_NAMES,
    available_at,
    set_available,
    shop_location_id,
)
from shopify_emulator.models import UserError, Variant
from shopify_emulator.store import Store

MAX_QUANTITY = 1_000_000_000
_GROUP_IDS = itertools.count(1)


@dataclass(frozen=True, slots=True)
class InventoryChange:
    name: str
    delta: int
    quantity_after_change: int
    variant: Variant
    location_id: int


@dataclass(frozen=True, slots=True)
class LevelChanged:
    """What an `inventory_levels/update` webhook tells: an item's available at a location."""

    inventory_item_id: int
    location_id: int
    available: int
    at: datetime


@dataclass(slots=True)
class InventoryAdjustmentGroup:
    reason: str
    reference_document_uri: str | None
    created_at: datetime = field(default_factory=utc_now)
    changes: list[InventoryChange] = field(default_factory=list)
    legacy_id: int = field(default_factory=lambda: next(_GROUP_IDS))
    graphql_type = "InventoryAdjustmentGroup"

    @property
    def gid(self) -> str:
        return make_gid("InventoryAdjustmentGroup", self.legacy_id)


def _error(path: Sequence[str], message: str, code: str) -> UserError:
    return UserError(["input", *path], message, code)


def set_quantities(
    store: Store, data: Mapping[str, Any]
) -> tuple[InventoryAdjustmentGroup | None, list[UserError]]:
    """Check every quantity, then apply all of them, or none when any is refused."""
    errors: list[UserError] = []
    name = data.get("name")
    if name not in SETTABLE_QUANTITY_NAMES:
        errors.append(
            _error(
                ["name"],
                "The quantity name must be either 'available' or 'on_hand'.",
                "INVALID_NAME",
            )
        )
    planned: list[tuple[Variant, int, int]] = []
    seen: set[tuple[int, int]] = set()
    for index, entry in enumerate(data.get("quantities") or ()):
        at = ["quantities", str(index)]
        item = parse_numeric_gid(str(entry["inventoryItemId"]), "InventoryItem")
        variant_id = store.inventory_items.get(item) if item is not None else None
        variant = store.variants.get(variant_id) if variant_id is not None else None
        location = shop_location_id(store, str(entry["locationId"]))
        quantity = int(entry["quantity"])
        if variant is None:
            errors.append(
                _error(
                    [*at, "inventoryItemId"],
                    "The specified inventory item could not be found.",
                    "INVALID_INVENTORY_ITEM",
                )
            )
        if location is None:
            errors.append(
                _error(
                    [*at, "locationId"],
                    "The specified location could not be found.",
                    "INVALID_LOCATION",
                )
            )
        if variant is None or location is None:
            continue
        if (variant.inventory_item_id, location) in seen:
            errors.append(
                _error(
                    at,
                    "The combination of inventoryItemId and locationId must be unique.",
                    "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
                )
            )
            continue
        seen.add((variant.inventory_item_id, location))
        if "changeFromQuantity" not in entry:
            errors.append(
                _error(
                    [*at, "changeFromQuantity"],
                    "The changeFromQuantity argument must be given to each quantity "
                    "(null opts out of the check).",
                    "COMPARE_QUANTITY_REQUIRED",
                )
            )
            continue
        expected = entry["changeFromQuantity"]
        if expected is not None and int(expected) != (available_at(store, variant, location) or 0):
            errors.append(
                _error(
                    [*at, "changeFromQuantity"],
                    "The changeFromQuantity value does not match persisted value.",
                    "CHANGE_FROM_QUANTITY_STALE",
                )
            )
            continue
        if quantity > MAX_QUANTITY:
            errors.append(
                _error(
                    [*at, "quantity"],
                    "The total quantity can't be higher than 1,000,000,000.",
                    "INVALID_QUANTITY_TOO_HIGH",
                )
            )
            continue
        if quantity < -MAX_QUANTITY:
            errors.append(
                _error(
                    [*at, "quantity"],
                    "The total quantity can't be lower than -1,000,000,000.",
                    "INVALID_QUANTITY_TOO_LOW",
                )
            )
            continue
        planned.append((variant, location, quantity))
    if errors:
        return None, errors
    group = InventoryAdjustmentGroup(
        reason=str(data.get("reason") or ""),
        reference_document_uri=data.get("referenceDocumentUri"),
    )
    touched: dict[int, Any] = {}
    for variant, location, quantity in planned:
        delta = set_available(store, variant, location, quantity)
        group.changes.append(InventoryChange(str(name), delta, quantity, variant, location))
        product = store.products.get(variant.product_id)
        if product is not None and delta:
            touched[product.id] = product
    for product in touched.values():
        store.save_product(product, created=False)
    for change in group.changes:
        if change.delta:
            store.emit(
                "inventory_levels/update",
                LevelChanged(
                    change.variant.inventory_item_id,
                    change.location_id,
                    change.quantity_after_change,
                    group.created_at,
                ),
            )
    return group, []
