"""Collections over loopback HTTP: smart membership from rules, manual add/remove, Jobs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.waiting import wait_for
from tests.shopify_emulator.conftest import Emulator

pytestmark = pytest.mark.integration

CREATE = """
mutation($input: CollectionInput!) {
  collectionCreate(input: $input) {
    collection { id handle title sortOrder
      ruleSet { appliedDisjunctively rules { column relation condition } }
      productsCount { count } products(first: 20) { nodes { title } } }
    userErrors { field message }
  }
}
"""


def create(emulator: Emulator, data: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = emulator.data(CREATE, {"input": data})["collectionCreate"]
    return payload


def titles(collection: dict[str, Any]) -> list[str]:
    return [n["title"] for n in collection["products"]["nodes"]]


def test_smart_collection_membership_is_computed_case_insensitively(
    emulator: Emulator, catalog: dict[str, str]
) -> None:
    payload = create(
        emulator,
        {
            "title": "Shirts",
            "ruleSet": {
                "appliedDisjunctively": False,
                "rules": [{"column": "TYPE", "relation": "EQUALS", "condition": "SHIRTS"}],
            },
        },
    )
    assert payload["userErrors"] == []
    collection = payload["collection"]
    assert titles(collection) == ["Summer Tee", "Winter Hoodie"]
    assert collection["productsCount"] == {"count": 2}
    assert collection["ruleSet"]["rules"] == [
        {"column": "TYPE", "relation": "EQUALS", "condition": "SHIRTS"}
    ]


def test_any_versus_all_rules(emulator: Emulator, catalog: dict[str, str]) -> None:
    rules = [
        {"column": "VARIANT_PRICE", "relation": "LESS_THAN", "condition": "20"},
        {"column": "VENDOR", "relation": "EQUALS", "condition": "acme"},
    ]
    any_of = create(
        emulator, {"title": "Any", "ruleSet": {"appliedDisjunctively": True, "rules": rules}}
    )
    all_of = create(
        emulator, {"title": "All", "ruleSet": {"appliedDisjunctively": False, "rules": rules}}
    )
    assert titles(any_of["collection"]) == ["Summer Tee", "Mug"]
    assert titles(all_of["collection"]) == []


def test_membership_follows_product_changes(emulator: Emulator, catalog: dict[str, str]) -> None:
    sale = create(
        emulator,
        {
            "title": "On sale",
            "ruleSet": {
                "appliedDisjunctively": False,
                "rules": [
                    {"column": "IS_PRICE_REDUCED", "relation": "IS_SET", "condition": "true"}
                ],
            },
        },
    )["collection"]
    assert titles(sale) == ["Summer Tee"]
    emulator.knob(f"products/{catalog['mug']}/edit", {"compareAtPrice": "99"})
    query = "query($id: ID!) { collection(id: $id) { products(first: 10) { nodes { title } } } }"
    after = emulator.data(query, {"id": sale["id"]})["collection"]
    assert titles(after) == ["Summer Tee", "Mug"]
    in_collection = emulator.data(
        "query($p: ID!, $c: ID!) { product(id: $p) { inCollection(id: $c) "
        "collections(first: 5) { nodes { title } } } }",
        {"p": catalog["mug"], "c": sale["id"]},
    )["product"]
    assert in_collection == {"inCollection": True, "collections": {"nodes": [{"title": "On sale"}]}}


def test_manual_collection_add_and_remove(emulator: Emulator, catalog: dict[str, str]) -> None:
    manual = create(emulator, {"title": "Staff picks", "products": [catalog["mug"]]})["collection"]
    assert manual["handle"] == "staff-picks" and titles(manual) == ["Mug"]
    added = emulator.data(
        "mutation($id: ID!, $p: [ID!]!) { collectionAddProducts(id: $id, productIds: $p) "
        "{ collection { products(first: 5) { nodes { title } } } userErrors { message } } }",
        {"id": manual["id"], "p": [catalog["tee"]]},
    )["collectionAddProducts"]
    assert titles(added["collection"]) == ["Mug", "Summer Tee"]
    job = emulator.data(
        "mutation($id: ID!, $p: [ID!]!) { collectionRemoveProducts(id: $id, productIds: $p) "
        "{ job { id done } userErrors { message } } }",
        {"id": manual["id"], "p": [catalog["mug"]]},
    )["collectionRemoveProducts"]["job"]
    assert job["done"] is False
    _wait_job(emulator, job["id"])
    query = "query($id: ID!) { collection(id: $id) { products(first: 5) { nodes { title } } } }"
    assert titles(emulator.data(query, {"id": manual["id"]})["collection"]) == ["Summer Tee"]


def _wait_job(emulator: Emulator, job_id: str) -> None:
    query = "query($id: ID!) { job(id: $id) { done } }"
    wait_for(lambda: emulator.data(query, {"id": job_id})["job"]["done"], "the job to finish")


def test_add_products_v2_returns_a_job(emulator: Emulator, catalog: dict[str, str]) -> None:
    manual = create(emulator, {"title": "Later"})["collection"]
    payload = emulator.data(
        "mutation($id: ID!, $p: [ID!]!) { collectionAddProductsV2(id: $id, productIds: $p) "
        "{ job { id done } userErrors { field message code } } }",
        {"id": manual["id"], "p": [catalog["hoodie"]]},
    )["collectionAddProductsV2"]
    assert payload["userErrors"] == []
    _wait_job(emulator, payload["job"]["id"])
    query = "query($id: ID!) { collection(id: $id) { products(first: 5) { nodes { title } } } }"
    assert titles(emulator.data(query, {"id": manual["id"]})["collection"]) == ["Winter Hoodie"]


def test_smart_collections_refuse_manual_adds(emulator: Emulator, catalog: dict[str, str]) -> None:
    smart = create(
        emulator,
        {
            "title": "Mugs",
            "ruleSet": {
                "appliedDisjunctively": False,
                "rules": [{"column": "TYPE", "relation": "EQUALS", "condition": "Mugs"}],
            },
        },
    )["collection"]
    v2 = emulator.data(
        "mutation($id: ID!, $p: [ID!]!) { collectionAddProductsV2(id: $id, productIds: $p) "
        "{ job { id } userErrors { field message code } } }",
        {"id": smart["id"], "p": [catalog["tee"]]},
    )["collectionAddProductsV2"]
    assert v2["job"] is None
    assert v2["userErrors"][0]["code"] == "CANT_ADD_TO_SMART_COLLECTION"
    v1 = emulator.data(
        "mutation($id: ID!, $p: [ID!]!) { collectionAddProducts(id: $id, productIds: $p) "
        "{ collection { id } userErrors { field message } } }",
        {"id": smart["id"], "p": [catalog["tee"]]},
    )["collectionAddProducts"]
    assert v1["collection"] is None and v1["userErrors"][0]["field"] == ["id"]


def test_collection_update_delete_and_queries(emulator: Emulator, catalog: dict[str, str]) -> None:
    manual = create(emulator, {"title": "Gifts"})["collection"]
    blank = create(emulator, {"title": ""})
    assert blank["userErrors"] == [{"field": ["title"], "message": "Title can't be blank"}]
    updated = emulator.data(
        "mutation($input: CollectionInput!) { collectionUpdate(input: $input) "
        "{ collection { title descriptionHtml handle } userErrors { message } } }",
        {"input": {"id": manual["id"], "title": "Gift ideas", "descriptionHtml": "<p>Hi</p>"}},
    )["collectionUpdate"]
    assert updated["collection"] == {
        "title": "Gift ideas",
        "descriptionHtml": "<p>Hi</p>",
        "handle": "gifts",
    }
    listing = emulator.data(
        '{ collections(first: 5, query: "title:gift*") { nodes { title } } '
        "collectionsCount { count } }"
    )
    assert listing["collections"]["nodes"] == [{"title": "Gift ideas"}]
    deleted = emulator.data(
        "mutation($id: ID!) { collectionDelete(input: {id: $id}) "
        "{ deletedCollectionId userErrors { message } } }",
        {"id": manual["id"]},
    )["collectionDelete"]
    assert deleted["deletedCollectionId"] == manual["id"]
    assert emulator.data("{ collectionsCount { count } }")["collectionsCount"]["count"] == 0


def test_product_set_collections_list_sets_manual_membership(
    emulator: Emulator, catalog: dict[str, str]
) -> None:
    first = create(emulator, {"title": "First"})["collection"]
    second = create(emulator, {"title": "Second"})["collection"]
    query = (
        "mutation($input: ProductSetInput!, $id: ID!) { productSet(input: $input, "
        "identifier: {id: $id}) { product { collections(first: 5) { nodes { title } } } "
        "userErrors { code } } }"
    )
    one = emulator.data(
        query, {"input": {"collections": [first["id"], second["id"]]}, "id": catalog["tee"]}
    )["productSet"]
    assert one["product"]["collections"]["nodes"] == [{"title": "First"}, {"title": "Second"}]
    two = emulator.data(query, {"input": {"collections": [second["id"]]}, "id": catalog["tee"]})
    assert two["productSet"]["product"]["collections"]["nodes"] == [{"title": "Second"}]


REORDER = (
    "mutation($id: ID!, $moves: [MoveInput!]!) { collectionReorderProducts(id: $id, moves: $moves) "
    "{ job { id done } userErrors { field message } } }"
)


def test_reorder_applies_moves_in_order_as_a_job(
    emulator: Emulator, catalog: dict[str, str]
) -> None:
    members = [catalog["tee"], catalog["mug"], catalog["hoodie"]]
    manual = create(emulator, {"title": "Ordered", "products": members})["collection"]
    assert manual["sortOrder"] == "MANUAL"
    payload = emulator.data(
        REORDER,
        {
            "id": manual["id"],
            "moves": [
                {"id": catalog["hoodie"], "newPosition": "0"},  # hoodie, tee, mug
                {"id": catalog["tee"], "newPosition": "99"},  # past the end: last
            ],
        },
    )["collectionReorderProducts"]
    assert payload["userErrors"] == []
    _wait_job(emulator, payload["job"]["id"])
    query = "query($id: ID!) { collection(id: $id) { products(first: 5) { nodes { title } } } }"
    ordered = emulator.data(query, {"id": manual["id"]})["collection"]
    assert titles(ordered) == ["Winter Hoodie", "Mug", "Summer Tee"]


def test_reorder_refuses_strangers_smart_collections_and_too_many_moves(
    emulator: Emulator, catalog: dict[str, str]
) -> None:
    manual = create(emulator, {"title": "Two", "products": [catalog["tee"]]})["collection"]
    smart = create(
        emulator,
        {
            "title": "Mug rule",
            "ruleSet": {
                "appliedDisjunctively": False,
                "rules": [{"column": "TYPE", "relation": "EQUALS", "condition": "Mugs"}],
            },
        },
    )["collection"]

    def reorder(collection_id: str, moves: list[dict[str, str]]) -> dict[str, Any]:
        result: dict[str, Any] = emulator.data(REORDER, {"id": collection_id, "moves": moves})[
            "collectionReorderProducts"
        ]
        return result

    stranger = reorder(manual["id"], [{"id": catalog["mug"], "newPosition": "0"}])
    on_smart = reorder(smart["id"], [{"id": catalog["mug"], "newPosition": "0"}])
    too_many = reorder(manual["id"], [{"id": catalog["tee"], "newPosition": "0"}] * 251)

    assert stranger["job"] is None and stranger["userErrors"][0]["field"] == ["moves", "0", "id"]
    assert on_smart["job"] is None and "manually sorted" in on_smart["userErrors"][0]["message"]
    assert too_many["job"] is None and too_many["userErrors"][0]["field"] == ["moves"]
