"""The emulator refuses what Shopify refuses (issue #21 item 4): malformed global ids, bulk
mutations whose document does not validate, productSet upserts whose handle disagrees with
the identifier, inventory at unknown locations or under unknown quantity names."""

from __future__ import annotations

from typing import Any

import pytest

from tests.shopify_emulator.conftest import Emulator

pytestmark = pytest.mark.integration

PRODUCT_SET = (
    "mutation($input: ProductSetInput!, $identifier: ProductSetIdentifiers) "
    "{ productSet(input: $input, identifier: $identifier) { product { id handle } "
    "userErrors { field message code } } }"
)


def product_set(
    emulator: Emulator, product_input: dict[str, Any], identifier: dict[str, Any] | None = None
) -> dict[str, Any]:
    payload: dict[str, Any] = emulator.data(
        PRODUCT_SET, {"input": product_input, "identifier": identifier}
    )["productSet"]
    return payload


def location_id(emulator: Emulator) -> str:
    nodes = emulator.data("{ locations(first: 1) { nodes { id } } }")["locations"]["nodes"]
    return str(nodes[0]["id"])


def sized(**variant: Any) -> dict[str, Any]:
    return {
        "title": "Tee",
        "productOptions": [{"name": "Size", "values": [{"name": "M"}]}],
        "variants": [{"optionValues": [{"optionName": "Size", "name": "M"}], **variant}],
    }


# --- global ids ----------------------------------------------------------------------------
def test_a_malformed_gid_in_the_document_is_an_error(emulator: Emulator) -> None:
    body = emulator.gql('{ product(id: "123") { id } }')
    [error] = body["errors"]
    assert error["message"] == "Invalid global id `123`"
    assert error["extensions"] == {
        "code": "argumentLiteralsIncompatible",
        "typeName": "CoercionError",
    }
    assert "data" not in body
    listed = emulator.gql('{ nodes(ids: ["gid://shopify/Product/1", "Product/2"]) { id } }')
    assert [e["message"] for e in listed["errors"]] == ["Invalid global id `Product/2`"]


def test_a_malformed_gid_in_variables_is_an_invalid_variable(emulator: Emulator) -> None:
    body = emulator.gql("query($id: ID!) { product(id: $id) { id } }", {"id": "not-a-gid"})
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID_VARIABLE"
    assert error["extensions"]["problems"] == [
        {"path": [], "explanation": "Invalid global id `not-a-gid`"}
    ]
    assert error["message"] == (
        "Variable $id of type ID! was provided invalid value (Invalid global id `not-a-gid`)"
    )
    nested = emulator.gql(PRODUCT_SET, {"input": {"title": "T", "collections": ["42"]}})
    [error] = nested["errors"]
    assert error["extensions"]["problems"] == [
        {"path": ["collections", 0], "explanation": "Invalid global id `42`"}
    ]
    assert emulator.data("{ productsCount { count } }")["productsCount"]["count"] == 0


def test_a_well_formed_gid_of_nothing_is_still_not_found(emulator: Emulator) -> None:
    data = emulator.data(
        "query($id: ID!) { product(id: $id) { id } }", {"id": "gid://shopify/Product/1"}
    )
    assert data == {"product": None}


# --- bulk mutations ------------------------------------------------------------------------
def test_a_bulk_mutation_that_does_not_validate_is_refused_before_it_starts(
    emulator: Emulator,
) -> None:
    before = emulator.data("{ currentBulkOperation(type: MUTATION) { id } }")
    run = emulator.data(
        "mutation($m: String!) { bulkOperationRunMutation(mutation: $m, "
        'stagedUploadPath: "tmp/none/vars.jsonl") { bulkOperation { id } '
        "userErrors { field message code } } }",
        {
            "m": "mutation call($input: ProductSetInput!) { productSet(input: $input) "
            "{ product { id noSuchField } userErrors { message } } }"
        },
    )["bulkOperationRunMutation"]
    assert run["bulkOperation"] is None
    [error] = run["userErrors"]
    assert (error["code"], error["field"]) == ("INVALID_MUTATION", ["mutation"])
    assert "Field 'noSuchField' doesn't exist on type 'Product'" in error["message"]
    after = emulator.data("{ currentBulkOperation(type: MUTATION) { id } }")
    assert after == before


# --- productSet ----------------------------------------------------------------------------
def test_product_set_by_handle_with_another_input_handle_is_input_mismatch(
    emulator: Emulator,
) -> None:
    created = product_set(emulator, {"title": "Tee", "handle": "tee"})
    assert created["userErrors"] == []
    mismatch = product_set(emulator, {"title": "Tee", "handle": "other-tee"}, {"handle": "tee"})
    assert mismatch["product"] is None
    assert mismatch["userErrors"] == [
        {
            "field": ["input", "handle"],
            "message": "The identifier value does not match the value of the corresponding "
            "field in the input.",
            "code": "INPUT_MISMATCH",
        }
    ]
    same = product_set(emulator, {"title": "Tee 2", "handle": "tee"}, {"handle": "tee"})
    assert same["userErrors"] == [] and same["product"] == created["product"]
    renamed = product_set(emulator, {"handle": "renamed"}, {"id": created["product"]["id"]})
    assert renamed["userErrors"] == [] and renamed["product"]["handle"] == "renamed"


# --- inventory -----------------------------------------------------------------------------
def test_product_set_refuses_unknown_quantity_names_and_locations(emulator: Emulator) -> None:
    location = location_id(emulator)
    misnamed = product_set(
        emulator,
        sized(inventoryQuantities=[{"locationId": location, "name": "avail", "quantity": 3}]),
    )
    assert misnamed["product"] is None
    assert [(e["field"], e["code"]) for e in misnamed["userErrors"]] == [
        (["input", "variants", "0", "inventoryQuantities", "0", "name"], "INVALID_VARIANT")
    ]
    elsewhere = product_set(
        emulator,
        sized(
            inventoryQuantities=[
                {"locationId": "gid://shopify/Location/1", "name": "available", "quantity": 3}
            ]
        ),
    )
    assert [(e["field"], e["code"], e["message"]) for e in elsewhere["userErrors"]] == [
        (
            ["input", "variants", "0", "inventoryQuantities", "0", "locationId"],
            "NOT_FOUND",
            "Quantity could not be set. The location was not found.",
        )
    ]
    assert emulator.data("{ productsCount { count } }")["productsCount"]["count"] == 0
    stocked = product_set(
        emulator,
        sized(inventoryQuantities=[{"locationId": location, "name": "on_hand", "quantity": 3}]),
    )
    assert stocked["userErrors"] == []
    total = emulator.data(
        "query($id: ID!) { product(id: $id) { totalInventory } }",
        {"id": stocked["product"]["id"]},
    )
    assert total["product"]["totalInventory"] == 3


def test_variants_bulk_create_refuses_an_unknown_location(emulator: Emulator) -> None:
    product = product_set(emulator, sized())["product"]
    payload = emulator.data(
        "mutation($id: ID!, $variants: [ProductVariantsBulkInput!]!) { "
        "productVariantsBulkCreate(productId: $id, variants: $variants) { productVariants { id } "
        "userErrors { field code } } }",
        {
            "id": product["id"],
            "variants": [
                {
                    "optionValues": [{"optionName": "Size", "name": "L"}],
                    "inventoryQuantities": [
                        {"locationId": "gid://shopify/Location/1", "availableQuantity": 2}
                    ],
                }
            ],
        },
    )["productVariantsBulkCreate"]
    assert payload["productVariants"] is None
    assert payload["userErrors"] == [
        {
            "field": ["variants", "0", "inventoryQuantities", "0", "locationId"],
            "code": "TRACKED_VARIANT_LOCATION_NOT_FOUND",
        }
    ]
