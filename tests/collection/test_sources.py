"""Local rules as 2026-10 source conditions: every rule either maps (to input Shopify's own
schema accepts, and back to the same rule) or is refused by name; nothing is dropped."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLSchema, parse
from graphql.execution.values import get_variable_values
from graphql.language import OperationDefinitionNode

from product_dashboard.collection.sources import (
    NotExpressible,
    Unreadable,
    conditions_for,
    remote_rules,
    same_rules,
)
from product_dashboard.product.rules import ALLOWED, Rule, RuleColumn, RuleRelation

pytestmark = pytest.mark.quick

CREATE = (
    "mutation($c: CollectionCreateInput!) { collectionCreate(collection: $c) "
    "{ collection { id } } }"
)
SAMPLE = {
    RuleColumn.TAG: "cotton",
    RuleColumn.TITLE: "tee",
    RuleColumn.TYPE: "Shirts",
    RuleColumn.VENDOR: "Acme",
    RuleColumn.VARIANT_TITLE: "Red",
    RuleColumn.VARIANT_PRICE: "19.90",
    RuleColumn.VARIANT_COMPARE_AT_PRICE: "25",
    RuleColumn.VARIANT_INVENTORY: "3",
    RuleColumn.VARIANT_WEIGHT: "8 oz",
    RuleColumn.IS_PRICE_REDUCED: "",
    RuleColumn.PRODUCT_CATEGORY_ID: "gid://shopify/TaxonomyCategory/aa-1-13-8",
}
NOT_EXPRESSIBLE = {
    (RuleColumn.TYPE, RuleRelation.IS_SET),
    (RuleColumn.TYPE, RuleRelation.IS_NOT_SET),
    (RuleColumn.VENDOR, RuleRelation.IS_SET),
    (RuleColumn.VENDOR, RuleRelation.IS_NOT_SET),
    (RuleColumn.VARIANT_INVENTORY, RuleRelation.NOT_EQUALS),
    (RuleColumn.VARIANT_WEIGHT, RuleRelation.IS_SET),
    (RuleColumn.VARIANT_WEIGHT, RuleRelation.IS_NOT_SET),
    (RuleColumn.IS_PRICE_REDUCED, RuleRelation.IS_SET),
    (RuleColumn.IS_PRICE_REDUCED, RuleRelation.IS_NOT_SET),
}


def every_rule() -> list[Rule]:
    return [
        Rule(
            column=column,
            relation=relation,
            condition=""
            if relation in (RuleRelation.IS_SET, RuleRelation.IS_NOT_SET)
            else SAMPLE[column],
        )
        for column, relations in ALLOWED.items()
        for relation in sorted(relations)
    ]


def as_read(condition: dict[str, Any], index: int) -> dict[str, Any]:
    """A condition input as SOURCE_FIELDS reads the condition back from Shopify."""
    [(kind, body)] = condition.items()
    name = kind[0].upper() + kind[1:]
    read: dict[str, Any] = {
        "__typename": "CollectionSourceInclusionCondition" + name,
        "id": str(index),
    }
    short = {
        "productTag": "tag",
        "productTitle": "title",
        "productType": "type",
        "productVendor": "vendor",
        "variantTitle": "variantTitle",
        "variantPrice": "price",
        "variantCompareAtPrice": "compareAtPrice",
        "variantInventory": "inventory",
        "variantWeight": "weight",
        "productCategory": "category",
    }[kind]
    read[short] = body["relation"]
    if kind == "productCategory":
        read["categories"] = [
            {"category": {"id": v["categoryId"]}, "includeDescendants": v["includeDescendants"]}
            for v in body["values"]
        ]
        read["categoryMatch"] = body["matchType"]
    elif "values" in body:
        read[short + "s"] = body["values"]
        read[short + "Match"] = body["matchType"]
    else:
        read[short + "Value"] = body.get("value")
    return read


def test_every_local_rule_maps_to_shopify_input_or_is_refused_by_name(
    shopify_schema: GraphQLSchema,
) -> None:
    operation = parse(CREATE).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    refused = set()
    for rule in every_rule():
        try:
            [condition] = conditions_for([rule], False, "EUR")
        except NotExpressible as exc:
            assert f"{rule.column.value} {rule.relation.value}" in str(exc)
            refused.add((rule.column, rule.relation))
            continue
        source = {"title": "Products", "inclusion": {"matchType": "ALL", "conditions": [condition]}}
        variables = {"c": {"title": "x", "sources": [{"source": source}]}}
        coerced = get_variable_values(shopify_schema, operation.variable_definitions, variables)
        assert not isinstance(coerced, list), (rule, coerced)  # a list: input errors
        read = remote_rules(
            [
                {
                    "__typename": "CollectionConditionsSource",
                    "id": "s",
                    "inclusion": {"matchType": "ALL", "conditions": [as_read(condition, 1)]},
                }
            ],
            "EUR",
        )
        assert same_rules(read.rules, [rule]), (rule, read.rules)
    assert refused == NOT_EXPRESSIBLE


def test_a_collection_with_one_unsayable_rule_is_refused_whole() -> None:
    rules = [
        Rule(column=RuleColumn.TAG, relation=RuleRelation.EQUALS, condition="a"),
        Rule(column=RuleColumn.TYPE, relation=RuleRelation.IS_SET),
        Rule(column=RuleColumn.VARIANT_INVENTORY, relation=RuleRelation.EQUALS, condition="2.5"),
    ]
    with pytest.raises(NotExpressible) as caught:
        conditions_for(rules, True, "USD")
    assert str(caught.value) == (
        "Admin API 2026-10 has no collection condition for: TYPE IS_SET ''; "
        "VARIANT_INVENTORY EQUALS '2.5'"
    )


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (
            {"__typename": "CollectionSubCollectionsSource", "id": "s"},
            "a CollectionSubCollectionsSource source",
        ),
        (
            {
                "__typename": "CollectionConditionsSource",
                "id": "s",
                "exclusion": {"conditions": [{"id": "e"}]},
                "inclusion": {"matchType": "ALL", "conditions": []},
            },
            "exclusions",
        ),
        (
            {
                "__typename": "CollectionConditionsSource",
                "id": "s",
                "inclusion": {
                    "matchType": "ALL",
                    "conditions": [
                        {
                            "__typename": "CollectionSourceInclusionConditionProductTag",
                            "id": "c",
                            "tag": "TAGGED_WITH",
                            "tags": ["a", "b"],
                            "tagMatch": "ANY",
                        }
                    ],
                },
            },
            "a ProductTag condition matching its values unlike its source",
        ),
        (
            {
                "__typename": "CollectionConditionsSource",
                "id": "s",
                "inclusion": {
                    "matchType": "ALL",
                    "conditions": [
                        {
                            "__typename": "CollectionSourceInclusionConditionVariantPrice",
                            "id": "c",
                            "price": "LESS_THAN",
                            "priceValue": {"amount": "5.0", "currencyCode": "CAD"},
                        }
                    ],
                },
            },
            "a price condition in CAD, not USD",
        ),
    ],
)
def test_sources_a_local_collection_cannot_hold_are_unreadable(
    source: dict[str, Any], reason: str
) -> None:
    with pytest.raises(Unreadable) as caught:
        remote_rules([source], "USD")
    assert str(caught.value) == reason


def test_several_tag_values_matching_like_the_source_become_several_rules() -> None:
    read = remote_rules(
        [
            {
                "__typename": "CollectionConditionsSource",
                "id": "s",
                "inclusion": {
                    "matchType": "ANY",
                    "conditions": [
                        {
                            "__typename": "CollectionSourceInclusionConditionProductTag",
                            "id": "c",
                            "tag": "NOT_TAGGED_WITH",
                            "tags": ["a", "b"],
                            "tagMatch": "ANY",
                        }
                    ],
                },
            }
        ],
        "USD",
    )
    assert read.disjunctive and read.smart
    assert [(r.column, r.relation, r.condition) for r in read.rules] == [
        (RuleColumn.TAG, RuleRelation.NOT_EQUALS, "a"),
        (RuleColumn.TAG, RuleRelation.NOT_EQUALS, "b"),
    ]
