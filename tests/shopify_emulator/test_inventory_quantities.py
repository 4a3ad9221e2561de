"""inventorySetQuantities with 2026-10's compare-and-set `changeFromQuantity`."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.shopify_emulator.conftest import Emulator

pytestmark = pytest.mark.integration

SET = """
mutation set($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) @idempotent(key: "KEY") {
    inventoryAdjustmentGroup {
      id
      reason
      changes { name delta quantityAfterChange item { id } location { id } }
    }
    userErrors { field message code }
  }
}
"""


def set_document() -> str:
    """The mutation with a key of its own: a key reused with other parameters is refused."""
    return SET.replace("KEY", uuid.uuid4().hex)


READ = "query read($id: ID!) { productVariant(id: $id) { inventoryQuantity } }"


def _item_and_location(emulator: Emulator, quantity: int) -> tuple[str, str, str]:
    emulator.knob("seed", {"products": 1, "seed": 3})
    data = emulator.data(
        "{ products(first: 1) { nodes { variants(first: 1) { nodes "
        "{ id inventoryQuantity inventoryItem { id } } } } } locations(first: 1) { nodes { id } } }"
    )
    variant = data["products"]["nodes"][0]["variants"]["nodes"][0]
    location = data["locations"]["nodes"][0]["id"]
    emulator.data(
        set_document(),
        {
            "input": {
                "name": "available",
                "reason": "correction",
                "quantities": [
                    {
                        "inventoryItemId": variant["inventoryItem"]["id"],
                        "locationId": location,
                        "quantity": quantity,
                        "changeFromQuantity": None,
                    }
                ],
            }
        },
    )
    return variant["id"], variant["inventoryItem"]["id"], location


def _set(emulator: Emulator, item: str, location: str, **quantity: Any) -> dict[str, Any]:
    entry = {"inventoryItemId": item, "locationId": location, **quantity}
    payload: dict[str, Any] = emulator.data(
        set_document(),
        {"input": {"name": "available", "reason": "correction", "quantities": [entry]}},
    )["inventorySetQuantities"]
    return payload


def _quantity(emulator: Emulator, variant: str) -> int:
    return int(emulator.data(READ, {"id": variant})["productVariant"]["inventoryQuantity"])


def test_a_matching_change_from_quantity_sets_the_quantity(emulator: Emulator) -> None:
    variant, item, location = _item_and_location(emulator, 7)
    payload = _set(emulator, item, location, quantity=12, changeFromQuantity=7)
    assert payload["userErrors"] == []
    [change] = payload["inventoryAdjustmentGroup"]["changes"]
    assert (change["name"], change["delta"], change["quantityAfterChange"]) == ("available", 5, 12)
    assert change["item"]["id"] == item and change["location"]["id"] == location
    assert _quantity(emulator, variant) == 12


def test_a_stale_change_from_quantity_changes_nothing(emulator: Emulator) -> None:
    variant, item, location = _item_and_location(emulator, 7)
    payload = _set(emulator, item, location, quantity=12, changeFromQuantity=6)
    assert payload["inventoryAdjustmentGroup"] is None
    [error] = payload["userErrors"]
    assert error["code"] == "CHANGE_FROM_QUANTITY_STALE"
    assert error["field"] == ["input", "quantities", "0", "changeFromQuantity"]
    assert _quantity(emulator, variant) == 7


def test_an_explicit_null_opts_out_of_the_check(emulator: Emulator) -> None:
    variant, item, location = _item_and_location(emulator, 7)
    payload = _set(emulator, item, location, quantity=3, changeFromQuantity=None)
    assert payload["userErrors"] == []
    assert _quantity(emulator, variant) == 3


def test_change_from_quantity_must_be_given(emulator: Emulator) -> None:
    variant, item, location = _item_and_location(emulator, 7)
    payload = _set(emulator, item, location, quantity=3)
    assert [e["code"] for e in payload["userErrors"]] == ["COMPARE_QUANTITY_REQUIRED"]
    assert _quantity(emulator, variant) == 7


def test_compare_quantity_is_gone(emulator: Emulator) -> None:
    _variant, item, location = _item_and_location(emulator, 7)
    body = emulator.gql(
        set_document(),
        {
            "input": {
                "name": "available",
                "reason": "correction",
                "quantities": [
                    {
                        "inventoryItemId": item,
                        "locationId": location,
                        "quantity": 1,
                        "compareQuantity": 7,
                    }
                ],
            }
        },
    )
    assert "compareQuantity" in body["errors"][0]["message"]


def test_one_refused_quantity_refuses_them_all(emulator: Emulator) -> None:
    variant, item, location = _item_and_location(emulator, 7)
    entries = [
        {"inventoryItemId": item, "locationId": location, "quantity": 9, "changeFromQuantity": 7},
        {
            "inventoryItemId": "gid://shopify/InventoryItem/999999",
            "locationId": "gid://shopify/Location/1",
            "quantity": 1,
            "changeFromQuantity": None,
        },
    ]
    payload = emulator.data(
        set_document(),
        {"input": {"name": "on_hand", "reason": "correction", "quantities": entries}},
    )["inventorySetQuantities"]
    codes = [e["code"] for e in payload["userErrors"]]
    assert codes == ["INVALID_INVENTORY_ITEM", "INVALID_LOCATION"]
    assert _quantity(emulator, variant) == 7


def test_an_unknown_quantity_name_is_refused(emulator: Emulator) -> None:
    _variant, item, location = _item_and_location(emulator, 7)
    entry = {"inventoryItemId": item, "locationId": location, "quantity": 1}
    payload = emulator.data(
        set_document(),
        {"input": {"name": "committed", "reason": "correction", "quantities": [entry]}},
    )["inventorySetQuantities"]
    assert "INVALID_NAME" in [e["code"] for e in payload["userErrors"]]
