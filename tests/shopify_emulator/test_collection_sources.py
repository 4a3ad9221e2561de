"""Collections through 2026-10's sources: `collection:` inputs and `Collection.sources`."""

from __future__ import annotations

from typing import Any

import pytest

from shopify_emulator.webhooks import COLLECTION_WEBHOOK_QUERY
from shopify_emulator.webhooks.payloads import collection_webhook_payload
from tests.shopify_emulator.conftest import Emulator
from tests.shopify_emulator.test_collections_api import titles

pytestmark = pytest.mark.integration

SOURCE_FIELDS = """
sources { id title ... on CollectionConditionsSource {
  targetType
  inclusion { matchType
    conditions { id __typename
      ... on CollectionSourceInclusionConditionProductTag { tag: relation values matchType }
      ... on CollectionSourceInclusionConditionProductType { type: relation values }
      ... on CollectionSourceInclusionConditionVariantPrice {
        price: relation value { amount currencyCode } }
      ... on CollectionSourceInclusionConditionVariantCompareAtPrice {
        compareAt: relation compareAtValue: value { amount } }
      ... on CollectionSourceInclusionConditionVariantWeight {
        weight: relation weightValue: value { unit value } }
      ... on CollectionSourceInclusionConditionUnknown { relation unknownValues: values }
    }
    selections(first: 10) { nodes { product { id } variantIds } }
  }
} }
"""
CREATE = (
    "mutation($c: CollectionCreateInput!) { collectionCreate(collection: $c) { collection { id "
    + SOURCE_FIELDS
    + " products(first: 10) { nodes { title } } } userErrors { field message } } }"
)
UPDATE = (
    "mutation($c: CollectionUpdateInput!) { collectionUpdate(collection: $c) { collection { id "
    + SOURCE_FIELDS
    + " products(first: 10) { nodes { title } } } userErrors { field message } } }"
)


def create(emulator: Emulator, data: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = emulator.data(CREATE, {"c": data})["collectionCreate"]
    return payload


def update(emulator: Emulator, data: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = emulator.data(UPDATE, {"c": data})["collectionUpdate"]
    return payload


def conditions_source(matching: str, conditions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    source = {"title": "Rules", "inclusion": {"matchType": matching, "conditions": conditions}}
    return [{"source": source}]


def test_a_smart_collection_from_conditions_reads_back_as_conditions(
    emulator: Emulator, catalog: dict[str, str]
) -> None:
    payload = create(
        emulator,
        {
            "title": "Shirts under 20",
            "sources": conditions_source(
                "ALL",
                [
                    {
                        "productType": {
                            "relation": "EQUALS",
                            "values": ["SHIRTS"],
                            "matchType": "ALL",
                        }
                    },
                    {
                        "variantPrice": {
                            "relation": "LESS_THAN",
                            "value": {"amount": "20", "currencyCode": "USD"},
                        }
                    },
                ],
            ),
        },
    )
    assert payload["userErrors"] == []
    collection = payload["collection"]
    assert titles(collection) == ["Summer Tee"]
    [source] = collection["sources"]
    conditions = source["inclusion"]["conditions"]
    assert [c["__typename"] for c in conditions] == [
        "CollectionSourceInclusionConditionProductType",
        "CollectionSourceInclusionConditionVariantPrice",
    ]
    assert conditions[1]["value"] == {"amount": "20.0", "currencyCode": "USD"}
    assert source["inclusion"]["matchType"] == "ALL"


def test_conditions_are_replaced_by_id_and_weights_keep_their_unit(
    emulator: Emulator, catalog: dict[str, str]
) -> None:
    created = create(
        emulator,
        {
            "title": "Tagged",
            "sources": conditions_source(
                "ANY",
                [
                    {
                        "productTag": {
                            "relation": "TAGGED_WITH",
                            "values": ["sale"],
                            "matchType": "ANY",
                        }
                    }
                ],
            ),
        },
    )["collection"]
    assert titles(created) == ["Summer Tee"]
    source = created["sources"][0]
    old = [c["id"] for c in source["inclusion"]["conditions"]]
    weight = {"relation": "GREATER_THAN", "value": {"unit": "GRAMS", "value": 1500.0}}
    payload = update(
        emulator,
        {
            "id": created["id"],
            "sourcesToUpdate": [
                {
                    "condition": {
                        "id": source["id"],
                        "inclusion": {
                            "matchType": "ANY",
                            "conditionsToDelete": old,
                            "conditionsToCreate": [
                                {
                                    "productType": {
                                        "relation": "EQUALS",
                                        "values": ["Mugs"],
                                        "matchType": "ANY",
                                    }
                                },
                                {"variantWeight": weight},
                            ],
                        },
                    }
                }
            ],
        },
    )
    assert payload["userErrors"] == []
    conditions = payload["collection"]["sources"][0]["inclusion"]["conditions"]
    assert conditions[1]["weightValue"] == {"unit": "GRAMS", "value": 1500.0}
    assert titles(payload["collection"]) == ["Mug"]


def test_manual_membership_through_selections(emulator: Emulator, catalog: dict[str, str]) -> None:
    created = create(
        emulator,
        {
            "title": "Picks",
            "sources": [
                {
                    "source": {
                        "title": "Picks",
                        "inclusion": {"selections": [{"productId": catalog["mug"]}]},
                    }
                }
            ],
        },
    )["collection"]
    assert titles(created) == ["Mug"]
    source_id = created["sources"][0]["id"]
    inclusion = {
        "selectionsToAdd": [{"productId": catalog["tee"]}, {"productId": catalog["hoodie"]}],
        "selectionsToRemove": [{"productId": catalog["mug"]}],
    }
    payload = update(
        emulator,
        {
            "id": created["id"],
            "sourcesToUpdate": [{"condition": {"id": source_id, "inclusion": inclusion}}],
        },
    )
    assert payload["userErrors"] == []
    assert titles(payload["collection"]) == ["Summer Tee", "Winter Hoodie"]
    selections = payload["collection"]["sources"][0]["inclusion"]["selections"]["nodes"]
    assert [s["product"]["id"] for s in selections] == [catalog["tee"], catalog["hoodie"]]


def test_what_the_emulator_cannot_evaluate_is_refused_not_ignored(
    emulator: Emulator, catalog: dict[str, str]
) -> None:
    status = {"productStatus": {"relation": "EQUALS", "values": ["ACTIVE"], "matchType": "ALL"}}
    refused = emulator.gql(
        "mutation($c: CollectionCreateInput!) { collectionCreate(collection: $c) "
        "{ collection { id } userErrors { field message } } }",
        {"c": {"title": "Active", "sources": conditions_source("ALL", [status])}},
    )
    assert "data" not in refused or refused["data"] is None
    assert "productStatus" in refused["errors"][0]["message"]
    wrong_currency = create(
        emulator,
        {
            "title": "Euros",
            "sources": conditions_source(
                "ALL",
                [
                    {
                        "variantPrice": {
                            "relation": "LESS_THAN",
                            "value": {"amount": "20", "currencyCode": "EUR"},
                        }
                    }
                ],
            ),
        },
    )
    assert wrong_currency["collection"] is None
    assert wrong_currency["userErrors"][0]["message"] == "Currency must be USD"


def test_a_legacy_rule_without_a_typed_condition_shows_as_unknown(
    emulator: Emulator, catalog: dict[str, str]
) -> None:
    legacy = emulator.data(
        "mutation($i: CollectionInput!) { collectionCreate(input: $i) { collection { id } } }",
        {
            "i": {
                "title": "Reduced",
                "ruleSet": {
                    "appliedDisjunctively": False,
                    "rules": [
                        {"column": "IS_PRICE_REDUCED", "relation": "IS_SET", "condition": "true"}
                    ],
                },
            }
        },
    )["collectionCreate"]["collection"]
    read = emulator.data(
        "query($id: ID!) { collection(id: $id) { " + SOURCE_FIELDS + " } }", {"id": legacy["id"]}
    )["collection"]
    [condition] = read["sources"][0]["inclusion"]["conditions"]
    assert condition["__typename"] == "CollectionSourceInclusionConditionUnknown"
    assert condition["relation"] == "IS_PRICE_REDUCED IS_SET"


def test_collection_webhook_bodies_carry_every_rule_in_rest_form(
    emulator: Emulator, catalog: dict[str, str]
) -> None:
    created = emulator.data(
        "mutation($i: CollectionInput!) { collectionCreate(input: $i) { collection { id } } }",
        {
            "i": {
                "title": "Mixed",
                "ruleSet": {
                    "appliedDisjunctively": True,
                    "rules": [
                        {"column": "TAG", "relation": "NOT_EQUALS", "condition": "old"},
                        {"column": "TITLE", "relation": "NOT_CONTAINS", "condition": "mug"},
                        {"column": "VARIANT_PRICE", "relation": "LESS_THAN", "condition": "20"},
                        {"column": "TYPE", "relation": "IS_SET", "condition": ""},
                    ],
                },
            }
        },
    )["collectionCreate"]["collection"]
    read = emulator.data(COLLECTION_WEBHOOK_QUERY, {"id": created["id"]})["collection"]
    body = collection_webhook_payload(read)
    assert body["disjunctive"] is True
    assert body["rules"] == [
        {"column": "tag", "relation": "not_equals", "condition": "old"},
        {"column": "title", "relation": "not_contains", "condition": "mug"},
        {"column": "variant_price", "relation": "less_than", "condition": "20"},
        {"column": "type", "relation": "is_set", "condition": ""},
    ]
