"""`collectionCreate(collection:)` / `collectionUpdate(collection:)` (Admin API 2026-10).

Each emulated collection has exactly one conditions source, targeting products: a smart
collection's conditions are its rules (one rule per condition value), a custom collection's
selections are its members. What Shopify has beyond that (exclusions, sub-collection and shareable
sources, variant targets, status / category / metafield conditions) is refused with a userError,
never ignored. The inputs become the `CollectionInput` shape the legacy path validates and applies.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from shopify_emulator.catalog.collections import (
    CollectionResult,
    add_products,
    collection_create,
    collection_update,
    find_collection,
    product_ids,
    remove_products,
)
from shopify_emulator.gid import make_gid
from shopify_emulator.models import Collection, CollectionRule, UserError
from shopify_emulator.store import Store

SOURCE_TITLE = "Products"
TEXT_COLUMNS = {
    "productTitle": "TITLE",
    "productType": "TYPE",
    "productVendor": "VENDOR",
    "variantTitle": "VARIANT_TITLE",
}
TAG_RELATIONS = {"TAGGED_WITH": "EQUALS", "NOT_TAGGED_WITH": "NOT_EQUALS"}
TEXT_RELATIONS = {"DOES_NOT_CONTAIN": "NOT_CONTAINS"}
SET_RELATIONS = frozenset({"IS_SET", "IS_NOT_SET"})


def source_gid(collection: Collection) -> str:
    return make_gid("CollectionConditionsSource", collection.id)


def condition_gid(collection: Collection, index: int) -> str:
    """Rule `index` of the collection (a collection holds at most 60 rules)."""
    return make_gid("CollectionSourceInclusionCondition", collection.id * 100 + index)


def rules_from_conditions(
    conditions: list[dict[str, Any]],
    match_type: str,
    path: list[str],
    errors: list[UserError],
    currency: str,
) -> list[CollectionRule]:
    """Each condition input as rules; unsupported or malformed ones become errors."""
    rules: list[CollectionRule] = []
    for index, condition in enumerate(conditions):
        where = [*path, str(index)]
        given = [kind for kind, body in condition.items() if body is not None]
        if len(given) != 1:
            errors.append(UserError(where, "Exactly one condition type must be specified"))
            continue
        kind = given[0]
        rules.extend(_rules_of(kind, condition[kind], match_type, [*where, kind], errors, currency))
    return rules


def _rules_of(
    kind: str,
    body: dict[str, Any],
    match_type: str,
    where: list[str],
    errors: list[UserError],
    currency: str,
) -> list[CollectionRule]:
    relation = str(body["relation"])
    if kind == "productTag" or kind in TEXT_COLUMNS:
        values = [str(v) for v in body["values"]]
        if not values or any(not v.strip() for v in values):
            errors.append(UserError([*where, "values"], "Values can't be blank"))
            return []
        if len(values) > 1 and body["matchType"] != match_type:
            errors.append(
                UserError(
                    [*where, "matchType"],
                    "This emulator evaluates a condition with several values only when it "
                    "matches them the way its source matches its conditions",
                )
            )
            return []
        if kind == "productTag":
            return [CollectionRule("TAG", TAG_RELATIONS[relation], v) for v in values]
        column = TEXT_COLUMNS[kind]
        return [CollectionRule(column, TEXT_RELATIONS.get(relation, relation), v) for v in values]
    value: Any = body.get("value")
    if kind in ("variantPrice", "variantCompareAtPrice"):
        column = "VARIANT_PRICE" if kind == "variantPrice" else "VARIANT_COMPARE_AT_PRICE"
        if value is None:
            if relation in SET_RELATIONS:
                return [CollectionRule(column, relation, "")]
            errors.append(UserError([*where, "value"], "Value can't be blank"))
            return []
        if value["currencyCode"] != currency:
            errors.append(
                UserError([*where, "value", "currencyCode"], f"Currency must be {currency}")
            )
            return []
        return [CollectionRule(column, relation, str(value["amount"]))]
    if kind == "variantInventory":
        return [CollectionRule("VARIANT_INVENTORY", relation, str(value))]
    if kind == "variantWeight":
        return [CollectionRule("VARIANT_WEIGHT", relation, repr(value["value"]), value["unit"])]
    errors.append(UserError(where, f"{kind} conditions are not supported by this emulator"))
    return []


def _one_source(
    sources: list[dict[str, Any]], path: list[str], errors: list[UserError]
) -> dict[str, Any] | None:
    if len(sources) > 1:
        errors.append(UserError(path, "This emulator keeps one source per collection"))
        return None
    return sources[0] if sources else None


def create_collection(store: Store, data: dict[str, Any], currency: str) -> CollectionResult:
    legacy = {key: value for key, value in data.items() if key != "sources"}
    errors: list[UserError] = []
    target = _one_source(data.get("sources") or [], ["sources"], errors)
    if target is not None:
        source = target.get("source")
        where = ["sources", "0", "source"]
        if source is None:
            errors.append(UserError(where, "Only conditions sources are supported here"))
        elif source.get("targetType") not in (None, "PRODUCTS"):
            errors.append(UserError([*where, "targetType"], "Only PRODUCTS targets are supported"))
        else:
            inclusion = source.get("inclusion") or {}
            conditions = inclusion.get("conditions") or []
            selections = inclusion.get("selections") or []
            if conditions and selections:
                errors.append(
                    UserError([*where, "inclusion"], "Give conditions or selections, not both")
                )
            elif conditions:
                match = inclusion.get("matchType") or "ALL"
                rules = rules_from_conditions(
                    conditions, match, [*where, "inclusion", "conditions"], errors, currency
                )
                legacy["ruleSet"] = {
                    "appliedDisjunctively": match == "ANY",
                    "rules": [asdict(rule) for rule in rules],
                }
            elif selections:
                legacy["products"] = _selected(selections, [*where, "inclusion"], errors)
    if errors:
        return CollectionResult(None, errors)
    return collection_create(store, legacy)


def _selected(
    selections: list[dict[str, Any]], where: list[str], errors: list[UserError]
) -> list[str]:
    if any(s.get("variantIds") for s in selections):
        errors.append(UserError(where, "Variant selections need a VARIANTS source"))
    return [str(s["productId"]) for s in selections]


def update_collection(store: Store, data: dict[str, Any], currency: str) -> CollectionResult:
    existing = find_collection(store, data.get("id") or "")
    if existing is None:
        return CollectionResult(None, [UserError(["id"], "Collection does not exist")])
    legacy = {key: value for key, value in data.items() if key != "sourcesToUpdate"}
    errors: list[UserError] = []
    to_add: list[int] = []
    to_remove: list[int] = []
    target = _one_source(data.get("sourcesToUpdate") or [], ["sourcesToUpdate"], errors)
    source = target.get("condition") if target is not None else None
    where = ["sourcesToUpdate", "0", "condition"]
    if target is not None and (source is None or source["id"] != source_gid(existing)):
        errors.append(UserError([*where, "id"], "Source does not exist"))
    elif source is not None:
        inclusion = source.get("inclusion") or {}
        inner = [*where, "inclusion"]
        if existing.rule_set is not None:
            if inclusion.get("selectionsToAdd") or inclusion.get("selectionsToRemove"):
                errors.append(UserError(inner, "Can't manually change a smart collection"))
            rules = existing.rule_set.rules
            ids = {condition_gid(existing, i): i for i in range(len(rules))}
            dropped: set[int | None] = set()
            for gid in inclusion.get("conditionsToDelete") or []:
                if gid not in ids:
                    errors.append(UserError([*inner, "conditionsToDelete"], "Condition not found"))
                dropped.add(ids.get(gid))
            match = inclusion.get("matchType") or (
                "ANY" if existing.rule_set.applied_disjunctively else "ALL"
            )
            created = rules_from_conditions(
                inclusion.get("conditionsToCreate") or [],
                match,
                [*inner, "conditionsToCreate"],
                errors,
                currency,
            )
            kept = [rule for i, rule in enumerate(rules) if i not in dropped]
            legacy["ruleSet"] = {
                "appliedDisjunctively": match == "ANY",
                "rules": [asdict(rule) for rule in kept + created],
            }
        else:
            if inclusion.get("conditionsToCreate"):
                errors.append(UserError(inner, "Can't add conditions to a custom collection"))
            to_add = product_ids(
                store,
                _selected(inclusion.get("selectionsToAdd") or [], inner, errors),
                [*inner, "selectionsToAdd"],
                errors,
            )
            to_remove = product_ids(
                store,
                _selected(inclusion.get("selectionsToRemove") or [], inner, errors),
                [*inner, "selectionsToRemove"],
                errors,
            )
    if errors:
        return CollectionResult(None, errors)
    result = collection_update(store, legacy)
    collection = find_collection(store, existing.gid)
    if result.collection is None or collection is None or not (to_add or to_remove):
        return result
    add_products(store, collection, to_add)
    remove_products(store, collection, to_remove)
    collection.updated_at = store.next_timestamp(collection.updated_at)
    return CollectionResult(collection)
