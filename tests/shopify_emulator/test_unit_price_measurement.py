"""ProductVariant.unitPriceMeasurement: stored from productSet and productVariantsBulk*, read back
in queries and bulk exports, checked as Shopify checks it (units of one measured type)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.fixtures.waiting import wait_for
from tests.shopify_emulator.conftest import Emulator

pytestmark = pytest.mark.integration

MEASURE = (
    "unitPriceMeasurement { measuredType quantityUnit quantityValue referenceUnit referenceValue }"
)
SET = (
    "mutation($input: ProductSetInput!, $identifier: ProductSetIdentifiers) { "
    "productSet(input: $input, identifier: $identifier, synchronous: true) { "
    f"product {{ id variants(first: 5) {{ nodes {{ id sku {MEASURE} }} }} }} "
    "userErrors { field message code } } }"
)
BULK_UPDATE = (
    "mutation($productId: ID!, $variants: [ProductVariantsBulkInput!]!) { "
    "productVariantsBulkUpdate(productId: $productId, variants: $variants) { "
    f"productVariants {{ id {MEASURE} }} userErrors {{ field message code }} }} }}"
)
BULK_CREATE = (
    "mutation($productId: ID!, $variants: [ProductVariantsBulkInput!]!) { "
    "productVariantsBulkCreate(productId: $productId, variants: $variants) { "
    f"productVariants {{ id {MEASURE} }} userErrors {{ field message code }} }} }}"
)
PER_100_ML = {
    "quantityValue": 750,
    "quantityUnit": "ML",
    "referenceValue": 100,
    "referenceUnit": "ML",
}


def _set(
    emulator: Emulator, data: dict[str, Any], identifier: dict[str, Any] | None = None
) -> dict[str, Any]:
    payload: dict[str, Any] = emulator.data(SET, {"input": data, "identifier": identifier})[
        "productSet"
    ]
    return payload


def _oil(**variant: Any) -> dict[str, Any]:
    return {
        "title": "Olive oil",
        "productOptions": [{"name": "Size", "values": [{"name": "750 ml"}]}],
        "variants": [
            {"optionValues": [{"optionName": "Size", "name": "750 ml"}], "price": "9.90", **variant}
        ],
    }


def test_product_set_stores_it_and_a_query_reads_it_with_its_measured_type(
    emulator: Emulator,
) -> None:
    created = _set(emulator, _oil(unitPriceMeasurement=PER_100_ML))

    assert created["userErrors"] == []
    [variant] = created["product"]["variants"]["nodes"]
    assert variant["unitPriceMeasurement"] == {
        "measuredType": "VOLUME",
        "quantityUnit": "ML",
        "quantityValue": 750.0,
        "referenceUnit": "ML",
        "referenceValue": 100,
    }


def test_left_out_it_is_kept_and_null_clears_it(emulator: Emulator) -> None:
    product = _set(emulator, _oil(unitPriceMeasurement=PER_100_ML))["product"]
    variant_id = product["variants"]["nodes"][0]["id"]

    kept = _set(emulator, _oil(id=variant_id, sku="OIL-750"), {"id": product["id"]})
    [variant] = kept["product"]["variants"]["nodes"]
    assert variant["sku"] == "OIL-750"
    assert variant["unitPriceMeasurement"]["quantityUnit"] == "ML"

    cleared = _set(emulator, _oil(id=variant_id, unitPriceMeasurement=None), {"id": product["id"]})
    assert cleared["product"]["variants"]["nodes"][0]["unitPriceMeasurement"] is None


@pytest.mark.parametrize(
    "measure",
    [
        {**PER_100_ML, "referenceUnit": "G"},  # volume against weight
        {**PER_100_ML, "referenceUnit": None},
        {"quantityValue": 750, "quantityUnit": "ML"},
        {**PER_100_ML, "quantityUnit": "UNKNOWN", "referenceUnit": "UNKNOWN"},
        {**PER_100_ML, "quantityValue": 0},
        {**PER_100_ML, "referenceValue": 0},
    ],
)
def test_an_inconsistent_measurement_is_refused_and_nothing_is_written(
    emulator: Emulator, measure: dict[str, Any]
) -> None:
    result = _set(emulator, _oil(unitPriceMeasurement=measure))

    assert result["product"] is None
    [error] = result["userErrors"]
    assert error["field"][-1] == "unitPriceMeasurement"
    assert error["code"] == "INVALID_VARIANT"


def test_variants_bulk_create_and_update_take_it(emulator: Emulator) -> None:
    product = _set(
        emulator,
        {
            "title": "Coffee",
            "productOptions": [{"name": "Size", "values": [{"name": "250 g"}, {"name": "1 kg"}]}],
            "variants": [{"optionValues": [{"optionName": "Size", "name": "250 g"}]}],
        },
    )["product"]
    per_kg = {
        "quantityValue": 0.25,
        "quantityUnit": "KG",
        "referenceValue": 1,
        "referenceUnit": "KG",
    }

    created = emulator.data(
        BULK_CREATE,
        {
            "productId": product["id"],
            "variants": [
                {
                    "optionValues": [{"optionName": "Size", "name": "1 kg"}],
                    "price": "20",
                    "unitPriceMeasurement": {**per_kg, "quantityValue": 1},
                }
            ],
        },
    )["productVariantsBulkCreate"]
    assert created["userErrors"] == []
    assert created["productVariants"][0]["unitPriceMeasurement"]["measuredType"] == "WEIGHT"

    variant_id = product["variants"]["nodes"][0]["id"]
    updated = emulator.data(
        BULK_UPDATE,
        {
            "productId": product["id"],
            "variants": [{"id": variant_id, "unitPriceMeasurement": per_kg}],
        },
    )["productVariantsBulkUpdate"]
    assert updated["userErrors"] == []
    assert updated["productVariants"][0]["unitPriceMeasurement"]["quantityValue"] == 0.25

    refused = emulator.data(
        BULK_UPDATE,
        {
            "productId": product["id"],
            "variants": [
                {"id": variant_id, "unitPriceMeasurement": {**per_kg, "referenceUnit": "M"}}
            ],
        },
    )["productVariantsBulkUpdate"]
    assert refused["userErrors"][0]["code"] == "INVALID_INPUT"


def _poll(emulator: Emulator, operation_id: str) -> dict[str, Any]:
    node: dict[str, Any] = emulator.data(
        f'{{ node(id: "{operation_id}") {{ ... on BulkOperation {{ status url }} }} }}'
    )["node"]
    return node


def test_a_bulk_export_reads_it(emulator: Emulator) -> None:
    _set(emulator, _oil(unitPriceMeasurement=PER_100_ML))
    run = emulator.data(
        'mutation { bulkOperationRunQuery(query: """{ products { edges { node { id '
        f'variants {{ edges {{ node {{ id {MEASURE} }} }} }} }} }} }} }}""") '
        "{ bulkOperation { id } userErrors { message } } }"
    )["bulkOperationRunQuery"]
    assert run["userErrors"] == []
    operation_id = run["bulkOperation"]["id"]
    wait_for(lambda: _poll(emulator, operation_id)["status"] == "COMPLETED")

    lines = emulator.client.get(_poll(emulator, operation_id)["url"]).text.splitlines()
    [variant] = [row for row in map(json.loads, lines) if "unitPriceMeasurement" in row]
    assert variant["unitPriceMeasurement"]["referenceValue"] == 100
