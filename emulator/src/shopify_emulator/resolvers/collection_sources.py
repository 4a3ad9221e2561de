"""`Collection.sources` (Admin API 2026-10): the collection's one conditions source.

A smart collection's rules are shown as conditions, one per rule; a rule 2026-10 has no
condition for (IS_PRICE_REDUCED, IS_SET on a text column, a legacy kilogram weight shown with its
unit) is shown as `CollectionSourceInclusionConditionUnknown`, as Shopify shows conditions its
typed ones do not cover. A custom collection's members are its selections.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from shopify_emulator.catalog.collection_sources import (
    SOURCE_TITLE,
    TAG_RELATIONS,
    TEXT_COLUMNS,
    TEXT_RELATIONS,
    condition_gid,
    source_gid,
)
from shopify_emulator.catalog.collections import collection_member_ids
from shopify_emulator.models import Collection, CollectionRule
from shopify_emulator.resolvers.context import ctx, store_of
from shopify_emulator.resolvers.objects import collection_products, page_args
from shopify_emulator.resolvers.pagination import map_nodes, paginate

_TAG_RELATION_OUT = {rule: source for source, rule in TAG_RELATIONS.items()}
_TEXT_RELATION_OUT = {rule: source for source, rule in TEXT_RELATIONS.items()}
_TEXT_TYPENAMES = {
    column: "CollectionSourceInclusionCondition" + kind[0].upper() + kind[1:]
    for kind, column in TEXT_COLUMNS.items()
}
_TEXT_RELATIONS = frozenset(
    {"EQUALS", "NOT_EQUALS", "CONTAINS", "NOT_CONTAINS", "STARTS_WITH", "ENDS_WITH"}
)
_NUMBER_RELATIONS = frozenset({"EQUALS", "NOT_EQUALS", "GREATER_THAN", "LESS_THAN"})
_PREFIX = "CollectionSourceInclusionCondition"


def condition_view(
    collection: Collection, index: int, rule: CollectionRule, match_type: str, currency: str
) -> dict[str, Any]:
    view: dict[str, Any] = {"id": condition_gid(collection, index)}
    column, relation = rule.column, rule.relation
    if column == "TAG" and relation in _TAG_RELATION_OUT:
        return view | {
            "__typename": _PREFIX + "ProductTag",
            "matchType": match_type,
            "relation": _TAG_RELATION_OUT[relation],
            "values": [rule.condition],
        }
    if column in _TEXT_TYPENAMES and relation in _TEXT_RELATIONS:
        return view | {
            "__typename": _TEXT_TYPENAMES[column],
            "matchType": match_type,
            "relation": _TEXT_RELATION_OUT.get(relation, relation),
            "values": [rule.condition],
        }
    money = {"amount": rule.condition, "currencyCode": currency} if rule.condition else None
    if column == "VARIANT_PRICE" and relation in _NUMBER_RELATIONS and money:
        return view | {"__typename": _PREFIX + "VariantPrice", "relation": relation, "value": money}
    if column == "VARIANT_COMPARE_AT_PRICE" and (
        relation in ("IS_SET", "IS_NOT_SET") or (relation in _NUMBER_RELATIONS and money)
    ):
        value = None if relation in ("IS_SET", "IS_NOT_SET") else money
        return view | {
            "__typename": _PREFIX + "VariantCompareAtPrice",
            "relation": relation,
            "value": value,
        }
    if column == "VARIANT_INVENTORY" and relation in ("EQUALS", "GREATER_THAN", "LESS_THAN"):
        return view | {
            "__typename": _PREFIX + "VariantInventory",
            "relation": relation,
            "value": int(float(rule.condition)),
        }
    if column == "VARIANT_WEIGHT" and relation in _NUMBER_RELATIONS and rule.weight_unit:
        return view | {
            "__typename": _PREFIX + "VariantWeight",
            "relation": relation,
            "value": {"unit": rule.weight_unit, "value": float(rule.condition)},
        }
    return view | {
        "__typename": _PREFIX + "Unknown",
        "matchType": match_type,
        "relation": f"{column} {relation}",
        "values": [rule.condition],
    }


def collection_sources(collection: Collection, info: GraphQLResolveInfo) -> list[dict[str, Any]]:
    currency = ctx(info).state.config.currency_code
    rule_set = collection.rule_set
    match_type = "ANY" if rule_set is not None and rule_set.applied_disjunctively else "ALL"
    conditions = [
        condition_view(collection, i, rule, match_type, currency)
        for i, rule in enumerate(rule_set.rules if rule_set is not None else [])
    ]

    return [
        {
            "__typename": "CollectionConditionsSource",
            "id": source_gid(collection),
            "title": SOURCE_TITLE,
            "description": None,
            "shareable": False,
            "exclusion": None,
            "targetType": "PRODUCTS",
            "inclusion": {
                "conditions": conditions,
                "matchType": match_type,
                "collection": collection,
            },
            "collection": collection,
        }
    ]


def source_products(source: dict[str, Any], info: GraphQLResolveInfo, **args: Any) -> Any:
    return collection_products(source["collection"], info, **args)


def inclusion_selections(inclusion: dict[str, Any], info: GraphQLResolveInfo, **args: Any) -> Any:
    """A custom collection's members, in collection order; none for a smart one."""
    collection: Collection = inclusion["collection"]
    store = store_of(info)
    members = collection_member_ids(store, collection) if collection.rule_set is None else []
    chosen = [(position, store.products[pid]) for position, pid in enumerate(members)]
    page = paginate(chosen, lambda pair: (pair[0], pair[1].id), presorted=True, **page_args(args))
    return map_nodes(page, lambda pair: {"product": pair[1], "variantIds": None})


CONDITIONS_SOURCE = {"products": source_products}
SOURCE_INCLUSION = {"selections": inclusion_selections}
