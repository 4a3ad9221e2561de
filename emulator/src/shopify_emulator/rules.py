"""Smart-collection membership: Shopify's rule columns and relations, case-insensitive."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation

from shopify_emulator.models import CollectionRule, Product, RuleSet, Variant

_TO_KG = {"KILOGRAMS": 1.0, "GRAMS": 0.001, "POUNDS": 0.45359237, "OUNCES": 0.028349523125}
NEGATIVE = frozenset({"NOT_EQUALS", "NOT_CONTAINS"})
_POSITIVE_OF = {"NOT_EQUALS": "EQUALS", "NOT_CONTAINS": "CONTAINS"}


def matches_rule_set(product: Product, rule_set: RuleSet) -> bool:
    """Whether the product belongs to a smart collection with this rule set."""
    if not rule_set.rules:
        return False
    results = (matches_rule(product, rule) for rule in rule_set.rules)
    return any(results) if rule_set.applied_disjunctively else all(results)


def matches_rule(product: Product, rule: CollectionRule) -> bool:
    values = list(_column_values(product, rule.column))
    relation = rule.relation
    if rule.column == "IS_PRICE_REDUCED":
        reduced = any(_is_reduced(v) for v in product.variants)
        wanted = rule.condition.strip().lower() != "false"
        if relation == "IS_NOT_SET":
            return not reduced
        return reduced == wanted
    if relation == "IS_SET":
        return any(_present(v) for v in values)
    if relation == "IS_NOT_SET":
        return not any(_present(v) for v in values)
    if relation in NEGATIVE:
        test = _relation_test(_POSITIVE_OF[relation], _condition_kg(rule))
        return not any(test(v) for v in values)
    test = _relation_test(relation, _condition_kg(rule))
    return any(test(v) for v in values)


def _condition_kg(rule: CollectionRule) -> str:
    """The condition as compared: weights in kilograms, like the variant values."""
    number = _as_number(rule.condition)
    if rule.weight_unit is None or number is None:
        return rule.condition
    return repr(number * _TO_KG[rule.weight_unit])


def _present(value: str | float | None) -> bool:
    return value is not None and value != ""


def _is_reduced(variant: Variant) -> bool:
    return variant.compare_at_price is not None and variant.compare_at_price > variant.price


def _column_values(product: Product, column: str) -> Iterable[str | float | None]:
    if column == "TAG":
        return list(product.tags)
    if column == "TITLE":
        return [product.title]
    if column == "TYPE":
        return [product.product_type]
    if column == "VENDOR":
        return [product.vendor]
    if column == "VARIANT_TITLE":
        return [v.title for v in product.variants]
    if column == "VARIANT_PRICE":
        return [float(v.price) for v in product.variants]
    if column == "VARIANT_COMPARE_AT_PRICE":
        return [
            float(v.compare_at_price) if v.compare_at_price is not None else None
            for v in product.variants
        ]
    if column == "VARIANT_INVENTORY":
        return [float(v.inventory_quantity) for v in product.variants]
    if column == "VARIANT_WEIGHT":
        return [
            v.weight * _TO_KG.get(v.weight_unit, 1.0) if v.weight is not None else None
            for v in product.variants
        ]
    return []


def _as_number(text: str) -> float | None:
    try:
        return float(Decimal(text.strip()))
    except (InvalidOperation, ValueError):
        return None


def _relation_test(relation: str, condition: str) -> Callable[[str | float | None], bool]:
    wanted = condition.strip().lower()
    number = _as_number(condition)

    def test(value: str | float | None) -> bool:
        if value is None:
            return False
        if isinstance(value, float):
            if number is None:
                return False
            if relation == "EQUALS":
                return value == number
            if relation == "GREATER_THAN":
                return value > number
            if relation == "LESS_THAN":
                return value < number
            text = format(value, "g")
        else:
            text = value.lower()
            if relation in ("GREATER_THAN", "LESS_THAN"):
                left = _as_number(value)
                if left is None or number is None:
                    return False
                return left > number if relation == "GREATER_THAN" else left < number
        if relation == "EQUALS":
            return text == wanted
        if relation == "CONTAINS":
            return wanted in text
        if relation == "STARTS_WITH":
            return text.startswith(wanted)
        if relation == "ENDS_WITH":
            return text.endswith(wanted)
        return False

    return test
