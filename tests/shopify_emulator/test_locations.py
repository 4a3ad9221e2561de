"""Several locations: one ships inventory (2026-10's fallback location; `isPrimary` deprecated),
levels per location, compare-and-set per location, and sales spread over the locations."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from tests.shopify_emulator.conftest import Emulator

pytestmark = pytest.mark.integration

LEVELS = """
query($id: ID!) {
  productVariant(id: $id) {
    inventoryQuantity
    inventoryItem {
      id
      locationsCount { count }
      inventoryLevels(first: 10) {
        nodes { location { id } quantities(names: ["available", "on_hand"]) { name quantity } }
      }
    }
  }
}
"""
SET = """
mutation($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) @idempotent(key: "KEY") {
    inventoryAdjustmentGroup { changes { delta quantityAfterChange location { id } } }
    userErrors { code }
  }
}
"""


def levels(emulator: Emulator, variant: str) -> tuple[int, dict[str, int], str]:
    """(inventoryQuantity, available by location, inventory item) of a variant."""
    node = emulator.data(LEVELS, {"id": variant})["productVariant"]
    item = node["inventoryItem"]
    by_location = {
        level["location"]["id"]: {q["name"]: q["quantity"] for q in level["quantities"]}
        for level in item["inventoryLevels"]["nodes"]
    }
    assert all(q["available"] == q["on_hand"] for q in by_location.values())
    assert item["locationsCount"]["count"] == len(by_location)
    available = {location: q["available"] for location, q in by_location.items()}
    return node["inventoryQuantity"], available, item["id"]


def set_quantity(
    emulator: Emulator, item: str, location: str, quantity: int, change_from: int | None
) -> dict[str, Any]:
    result: dict[str, Any] = emulator.data(
        SET.replace("KEY", uuid.uuid4().hex),
        {
            "input": {
                "name": "available",
                "reason": "correction",
                "quantities": [
                    {
                        "inventoryItemId": item,
                        "locationId": location,
                        "quantity": quantity,
                        "changeFromQuantity": change_from,
                    }
                ],
            }
        },
    )["inventorySetQuantities"]
    return result


def sales_log(emulator: Emulator) -> dict[str, Any]:
    body: dict[str, Any] = emulator.client.get("/_emulator/sales").json()
    return body


def seeded(emulator: Emulator, locations: int) -> tuple[list[dict[str, Any]], str]:
    """Locations (the primary first) and the first seeded variant."""
    seed = emulator.knob("seed", {"products": 20, "seed": 4, "locations": locations})
    assert len(seed["locations"]) == locations
    data = emulator.data(
        "{ locations(first: 10) { nodes { id name isActive shipsInventory isPrimary } } "
        "productVariants(first: 1) { nodes { id } } }"
    )
    return data["locations"]["nodes"], data["productVariants"]["nodes"][0]["id"]


def test_a_seeded_store_with_three_locations_has_one_that_ships_inventory(
    emulator: Emulator,
) -> None:
    locations, variant = seeded(emulator, 3)
    assert len(locations) == 3 and all(loc["isActive"] for loc in locations)
    assert [loc["shipsInventory"] for loc in locations] == [True, False, False]
    assert [loc["isPrimary"] for loc in locations] == [True, False, False]
    total, available, _ = levels(emulator, variant)
    assert set(available) == {loc["id"] for loc in locations}
    assert total == sum(available.values())


def test_quantities_are_set_per_location_with_compare_and_set_per_location(
    emulator: Emulator,
) -> None:
    locations, variant = seeded(emulator, 2)
    primary, warehouse = (loc["id"] for loc in locations)
    total, before, item = levels(emulator, variant)

    stale = set_quantity(emulator, item, warehouse, 7, change_from=before[primary] + 1000)
    assert [e["code"] for e in stale["userErrors"]] == ["CHANGE_FROM_QUANTITY_STALE"]
    done = set_quantity(emulator, item, warehouse, 7, change_from=before[warehouse])
    assert done["userErrors"] == []
    [change] = done["inventoryAdjustmentGroup"]["changes"]
    assert change["location"]["id"] == warehouse
    assert change["delta"] == 7 - before[warehouse] and change["quantityAfterChange"] == 7

    total_after, after, _ = levels(emulator, variant)
    assert after == {primary: before[primary], warehouse: 7}
    assert total_after == total - before[warehouse] + 7


def test_sales_spread_over_the_locations_and_each_takes_one_unit_there(
    emulator: Emulator,
) -> None:
    locations, _ = seeded(emulator, 2)
    emulator.knob("sales", {"orders_per_second": 200, "seed": 2})
    try:
        while sales_log(emulator)["orders"] < 60:
            time.sleep(0.05)
    finally:
        emulator.knob("sales", {"orders_per_second": 0})
    log = sales_log(emulator)["log"]
    assert {sale["location_id"] for sale in log} == {loc["id"] for loc in locations}
    last: dict[tuple[str, str], int] = {}
    for sale in log:
        last[(sale["variant_id"], sale["location_id"])] = sale["quantity_after"]
    for (variant, location), quantity in list(last.items())[:10]:
        assert levels(emulator, variant)[1][location] == quantity
