"""Local smart-collection rules <-> Admin API 2026-10 collection source conditions.

2026-10 replaces a collection's rule set with sources; a conditions source's inclusion holds
typed conditions (one per local rule here, matching like the rule set) or, for a manual
collection, product selections. Some local rules have no 2026-10 condition (checked against the
2026-10 schema): TYPE / VENDOR IS_SET and IS_NOT_SET (text conditions take only text relations),
IS_PRICE_REDUCED (no such condition; VARIANT_COMPARE_AT_PRICE IS_SET is a different rule),
VARIANT_INVENTORY NOT_EQUALS, VARIANT_WEIGHT IS_SET / IS_NOT_SET, an inventory condition that is
not a whole number, and a category condition that is not a taxonomy gid. A collection with any
of them is not pushed (`NotExpressible`), so no rule is dropped or changed on the way; the
message names each rule. Reading back, whatever a flat rule list cannot hold (several sources,
exclusions, conditions and selections together, a condition type this app has no rule for, a
multi-value condition that matches differently from its source) makes the collection
`Unreadable`: the pull leaves the local one alone and reports it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from product_dashboard.kit.numbers import parse_decimal
from product_dashboard.product.rules import (
    Rule,
    RuleColumn,
    RuleRelation,
    parse_weight,
    parse_weight_grams,
)

SOURCE_TITLE = "Products"
CONDITION_PREFIX = "CollectionSourceInclusionCondition"
# The selection a pull reads; aliases because the condition types' fields differ in type.
SOURCE_FIELDS = """
fragment SourceFields on CollectionSource {
  __typename
  id
  ... on CollectionConditionsSource {
    targetType
    exclusion { conditions { id } selections(first: 1) { nodes { product { id } } } }
    inclusion {
      matchType
      selections(first: 1) { nodes { product { id } } }
      conditions {
        __typename
        id
        ... on CollectionSourceInclusionConditionProductTag { tag: relation tags: values
          tagMatch: matchType }
        ... on CollectionSourceInclusionConditionProductTitle { title: relation titles: values
          titleMatch: matchType }
        ... on CollectionSourceInclusionConditionProductType { type: relation types: values
          typeMatch: matchType }
        ... on CollectionSourceInclusionConditionProductVendor { vendor: relation vendors: values
          vendorMatch: matchType }
        ... on CollectionSourceInclusionConditionVariantTitle {
          variantTitle: relation variantTitles: values variantTitleMatch: matchType }
        ... on CollectionSourceInclusionConditionVariantPrice {
          price: relation priceValue: value { amount currencyCode } }
        ... on CollectionSourceInclusionConditionVariantCompareAtPrice {
          compareAtPrice: relation compareAtPriceValue: value { amount currencyCode } }
        ... on CollectionSourceInclusionConditionVariantInventory {
          inventory: relation inventoryValue: value }
        ... on CollectionSourceInclusionConditionVariantWeight {
          weight: relation weightValue: value { unit value } }
        ... on CollectionSourceInclusionConditionProductCategory {
          category: relation categoryMatch: matchType
          categories: values { category { id } includeDescendants } }
      }
    }
  }
}
"""

R = RuleRelation
TEXT_CONDITIONS: dict[RuleColumn, str] = {
    RuleColumn.TITLE: "productTitle",
    RuleColumn.TYPE: "productType",
    RuleColumn.VENDOR: "productVendor",
    RuleColumn.VARIANT_TITLE: "variantTitle",
}
TEXT_RELATIONS = {R.NOT_CONTAINS: "DOES_NOT_CONTAIN"}
TAG_RELATIONS = {R.EQUALS: "TAGGED_WITH", R.NOT_EQUALS: "NOT_TAGGED_WITH"}
COMPARISONS = frozenset({R.EQUALS, R.NOT_EQUALS, R.GREATER_THAN, R.LESS_THAN})
INVENTORY_RELATIONS = frozenset({R.EQUALS, R.GREATER_THAN, R.LESS_THAN})
WEIGHT_UNITS = {"g": "GRAMS", "kg": "KILOGRAMS", "lb": "POUNDS", "oz": "OUNCES"}
WEIGHT_SUFFIXES = {"GRAMS": "g", "KILOGRAMS": "kg", "POUNDS": "lb", "OUNCES": "oz"}
CATEGORY_GID = "gid://shopify/TaxonomyCategory/"


class NotExpressible(Exception):
    """Local rules 2026-10's conditions cannot say; the message names each one."""


class Unreadable(Exception):
    """A Shopify collection whose sources a local collection cannot hold as they are."""


class RemoteRules(BaseModel):
    """What a Shopify collection's sources say, in local terms."""

    source_id: str | None
    condition_ids: list[str]
    smart: bool
    rules: list[Rule]
    disjunctive: bool


def match_type(disjunctive: bool) -> str:
    return "ANY" if disjunctive else "ALL"


def conditions_for(rules: list[Rule], disjunctive: bool, currency: str) -> list[dict[str, Any]]:
    """The inclusion conditions for these rules, or NotExpressible naming every rule that fails."""
    conditions: list[dict[str, Any]] = []
    problems: list[str] = []
    for rule in rules:
        condition = _condition(rule, match_type(disjunctive), currency)
        if condition is None:
            problems.append(f"{rule.column.value} {rule.relation.value} {rule.condition!r}".strip())
        else:
            conditions.append(condition)
    if problems:
        raise NotExpressible(
            "Admin API 2026-10 has no collection condition for: " + "; ".join(problems)
        )
    return conditions


def _condition(rule: Rule, matching: str, currency: str) -> dict[str, Any] | None:
    column, relation, text = rule.column, rule.relation, rule.condition.strip()
    if column == RuleColumn.TAG:
        return {
            "productTag": {
                "relation": TAG_RELATIONS[relation],
                "values": [text],
                "matchType": matching,
            }
        }
    if column in TEXT_CONDITIONS:
        if relation in (R.IS_SET, R.IS_NOT_SET):
            return None
        return {
            TEXT_CONDITIONS[column]: {
                "relation": TEXT_RELATIONS.get(relation, relation.value),
                "values": [text],
                "matchType": matching,
            }
        }
    if column == RuleColumn.VARIANT_PRICE:
        return {"variantPrice": {"relation": relation.value, "value": _money(text, currency)}}
    if column == RuleColumn.VARIANT_COMPARE_AT_PRICE:
        if relation in (R.IS_SET, R.IS_NOT_SET):
            return {"variantCompareAtPrice": {"relation": relation.value}}
        return {
            "variantCompareAtPrice": {"relation": relation.value, "value": _money(text, currency)}
        }
    if column == RuleColumn.VARIANT_INVENTORY:
        number = parse_decimal(text)
        if relation not in INVENTORY_RELATIONS or number != number.to_integral_value():
            return None
        return {"variantInventory": {"relation": relation.value, "value": int(number)}}
    if column == RuleColumn.VARIANT_WEIGHT:
        if relation not in COMPARISONS:
            return None
        value, unit = _weight(text)
        return {
            "variantWeight": {"relation": relation.value, "value": {"value": value, "unit": unit}}
        }
    if column == RuleColumn.PRODUCT_CATEGORY_ID:
        if not text.startswith(CATEGORY_GID):
            return None  # locally it matches no product (categories are stored as gids)
        category = text
        return {
            "productCategory": {
                "relation": relation.value,
                "values": [{"categoryId": category, "includeDescendants": False}],
                "matchType": matching,
            }
        }
    return None  # IS_PRICE_REDUCED


def _money(text: str, currency: str) -> dict[str, str]:
    return {"amount": format(parse_decimal(text), "f"), "currencyCode": currency}


def _weight(text: str) -> tuple[float, str]:
    """The number and unit as written ("1.5 kg"); no unit means grams, as locally."""
    number, unit = parse_weight(text)
    return float(number), WEIGHT_UNITS[unit]


def rule_key(rule: Rule) -> tuple[str, str, str]:
    """What a rule means, independent of how its condition is written ("20" == "20.00")."""
    column, text = rule.column, rule.condition.strip()
    if column == RuleColumn.VARIANT_WEIGHT and rule.relation in COMPARISONS:
        return column.value, rule.relation.value, str(parse_weight_grams(text).normalize())
    if (
        column
        in (
            RuleColumn.VARIANT_PRICE,
            RuleColumn.VARIANT_COMPARE_AT_PRICE,
            RuleColumn.VARIANT_INVENTORY,
        )
        and text
    ):
        return column.value, rule.relation.value, str(parse_decimal(text).normalize())
    if column in (
        RuleColumn.TAG,
        RuleColumn.TITLE,
        RuleColumn.TYPE,
        RuleColumn.VENDOR,
        RuleColumn.VARIANT_TITLE,
    ):
        return (
            column.value,
            rule.relation.value,
            text.lower(),
        )  # Shopify compares case-insensitively
    return column.value, rule.relation.value, text


def same_rules(ours: list[Rule], theirs: list[Rule]) -> bool:
    return [rule_key(r) for r in ours] == [rule_key(r) for r in theirs]


def remote_rules(sources: list[dict[str, Any]], currency: str) -> RemoteRules:
    """A collection's sources (as `SOURCE_FIELDS` reads them) in local terms, or Unreadable."""
    if len(sources) > 1:
        raise Unreadable(f"{len(sources)} sources; a local collection holds one")
    if not sources:
        return RemoteRules(
            source_id=None, condition_ids=[], smart=False, rules=[], disjunctive=False
        )
    source = sources[0]
    if source.get("__typename") != "CollectionConditionsSource":
        raise Unreadable(f"a {source.get('__typename')} source")
    if source.get("targetType") not in (None, "PRODUCTS"):
        raise Unreadable("a source that selects variants")
    exclusion = source.get("exclusion") or {}
    if exclusion.get("conditions") or (exclusion.get("selections") or {}).get("nodes"):
        raise Unreadable("exclusions")
    inclusion = source.get("inclusion") or {}
    conditions = inclusion.get("conditions") or []
    if conditions and (inclusion.get("selections") or {}).get("nodes"):
        raise Unreadable("conditions and hand-picked products together")
    disjunctive = inclusion.get("matchType") == "ANY"
    rules = [
        rule for condition in conditions for rule in _rules_of(condition, disjunctive, currency)
    ]
    return RemoteRules(
        source_id=source["id"],
        condition_ids=[c["id"] for c in conditions],
        smart=bool(conditions),
        rules=rules,
        disjunctive=disjunctive,
    )


_TEXT_KINDS = {
    "ProductTag": (RuleColumn.TAG, "tag", "tags", "tagMatch"),
    "ProductTitle": (RuleColumn.TITLE, "title", "titles", "titleMatch"),
    "ProductType": (RuleColumn.TYPE, "type", "types", "typeMatch"),
    "ProductVendor": (RuleColumn.VENDOR, "vendor", "vendors", "vendorMatch"),
    "VariantTitle": (
        RuleColumn.VARIANT_TITLE,
        "variantTitle",
        "variantTitles",
        "variantTitleMatch",
    ),
}
_TAG_RULE_RELATIONS = {remote: local for local, remote in TAG_RELATIONS.items()}
_TEXT_RULE_RELATIONS = {remote: local for local, remote in TEXT_RELATIONS.items()}


def _rules_of(condition: dict[str, Any], disjunctive: bool, currency: str) -> list[Rule]:
    kind = str(condition.get("__typename") or "").removeprefix(CONDITION_PREFIX)
    if kind in _TEXT_KINDS:
        column, relation_key, values_key, match_key = _TEXT_KINDS[kind]
        values = list(condition.get(values_key) or [])
        if len(values) > 1 and condition.get(match_key) != match_type(disjunctive):
            raise Unreadable(f"a {kind} condition matching its values unlike its source")
        raw = condition[relation_key]
        relations = _TAG_RULE_RELATIONS if column == RuleColumn.TAG else _TEXT_RULE_RELATIONS
        relation = relations.get(raw) or RuleRelation(raw)
        return [_rule(column, relation, str(v)) for v in values]
    if kind in ("VariantPrice", "VariantCompareAtPrice"):
        column = (
            RuleColumn.VARIANT_PRICE
            if kind == "VariantPrice"
            else RuleColumn.VARIANT_COMPARE_AT_PRICE
        )
        key = "price" if kind == "VariantPrice" else "compareAtPrice"
        value = condition.get(f"{key}Value")
        if value is not None and value.get("currencyCode") != currency:
            raise Unreadable(f"a price condition in {value.get('currencyCode')}, not {currency}")
        text = format(Decimal(str(value["amount"])).normalize(), "f") if value else ""
        return [_rule(column, RuleRelation(condition[key]), text)]
    if kind == "VariantInventory":
        return [
            _rule(
                RuleColumn.VARIANT_INVENTORY,
                RuleRelation(condition["inventory"]),
                str(condition["inventoryValue"]),
            )
        ]
    if kind == "VariantWeight":
        value = condition["weightValue"]
        number = format(Decimal(str(value["value"])).normalize(), "f")
        text = f"{number} {WEIGHT_SUFFIXES[value['unit']]}"
        return [_rule(RuleColumn.VARIANT_WEIGHT, RuleRelation(condition["weight"]), text)]
    if kind == "ProductCategory":
        values = condition.get("categories") or []
        if any(v.get("includeDescendants") for v in values):
            raise Unreadable("a category condition that includes subcategories")
        if len(values) > 1 and condition.get("categoryMatch") != match_type(disjunctive):
            raise Unreadable("a category condition matching its values unlike its source")
        relation = RuleRelation(condition["category"])
        return [
            _rule(RuleColumn.PRODUCT_CATEGORY_ID, relation, v["category"]["id"]) for v in values
        ]
    raise Unreadable(f"a {kind or 'unknown'} condition")


def _rule(column: RuleColumn, relation: RuleRelation, condition: str) -> Rule:
    try:
        return Rule(column=column, relation=relation, condition=condition)
    except ValueError as exc:
        raise Unreadable(f"{column.value} {relation.value} {condition!r}: {exc}") from exc
