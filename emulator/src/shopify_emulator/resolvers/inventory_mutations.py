"""Resolvers of `inventorySetQuantities` and the adjustment group it returns."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from shopify_emulator.catalog.inventory import (
    InventoryAdjustmentGroup,
    InventoryChange,
    set_quantities,
)
from shopify_emulator.gid import make_gid
from shopify_emulator.idempotency import idempotency_key
from shopify_emulator.resolvers.context import store_of
from shopify_emulator.resolvers.views import InventoryItemView, LocationView


def resolve_inventory_set_quantities(
    root: Any, info: GraphQLResolveInfo, input: dict[str, Any]
) -> dict[str, Any]:
    store = store_of(info)
    group, errors = store.idempotency.run(
        idempotency_key(info), input, lambda: set_quantities(store, input)
    )
    return {"inventoryAdjustmentGroup": group, "userErrors": errors}


def resolve_changes(
    group: InventoryAdjustmentGroup,
    info: GraphQLResolveInfo,
    inventoryItemIds: list[str] | None = None,
    locationIds: list[str] | None = None,
    quantityNames: list[str] | None = None,
) -> list[InventoryChange]:
    return [
        change
        for change in group.changes
        if (
            inventoryItemIds is None
            or make_gid("InventoryItem", change.variant.inventory_item_id) in inventoryItemIds
        )
        and (locationIds is None or make_gid("Location", change.location_id) in locationIds)
        and (quantityNames is None or change.name in quantityNames)
    ]


def resolve_change_location(change: InventoryChange, info: GraphQLResolveInfo) -> LocationView:
    store = store_of(info)
    return LocationView.of(store.locations[change.location_id])


MUTATION = {"inventorySetQuantities": resolve_inventory_set_quantities}
INVENTORY_ADJUSTMENT_GROUP = {"changes": resolve_changes}
INVENTORY_CHANGE = {
    "item": lambda change, info: InventoryItemView(change.variant),
    "location": resolve_change_location,
}
