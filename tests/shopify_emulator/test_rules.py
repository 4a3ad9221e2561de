"""Smart-collection rules: columns, relations, any/all, case-insensitivity."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shopify_emulator.models import CollectionRule, RuleSet
from shopify_emulator.rules import matches_rule, matches_rule_set
from tests.shopify_emulator.factories import make_product

pytestmark = pytest.mark.quick

SHIRT = make_product(
    "Blue Cotton Shirt",
    vendor="Acme",
    product_type="Shirts",
    tags=["Summer", "sale"],
    variants=[
        {
            "title": "S",
            "price": Decimal("19.99"),
            "compare_at_price": Decimal("29.99"),
            "inventory_quantity": 3,
            "weight": 500.0,
            "weight_unit": "GRAMS",
        },
        {"title": "M", "price": Decimal("24.00"), "inventory_quantity": 0},
    ],
)


@pytest.mark.parametrize(
    ("column", "relation", "condition", "expected"),
    [
        ("TAG", "EQUALS", "summer", True),
        ("TAG", "EQUALS", "winter", False),
        ("TAG", "NOT_EQUALS", "summer", False),
        ("TITLE", "CONTAINS", "cotton", True),
        ("TITLE", "NOT_CONTAINS", "cotton", False),
        ("TITLE", "STARTS_WITH", "BLUE", True),
        ("TITLE", "ENDS_WITH", "shirt", True),
        ("TITLE", "EQUALS", "blue cotton shirt", True),
        ("TYPE", "EQUALS", "shirts", True),
        ("VENDOR", "NOT_EQUALS", "Northwind", True),
        ("VARIANT_PRICE", "LESS_THAN", "20", True),
        ("VARIANT_PRICE", "GREATER_THAN", "24", False),
        ("VARIANT_PRICE", "EQUALS", "24.00", True),
        ("VARIANT_COMPARE_AT_PRICE", "GREATER_THAN", "25", True),
        ("VARIANT_COMPARE_AT_PRICE", "IS_SET", "", True),
        ("VARIANT_INVENTORY", "GREATER_THAN", "2", True),
        ("VARIANT_INVENTORY", "GREATER_THAN", "3", False),
        ("VARIANT_TITLE", "EQUALS", "m", True),
        ("VARIANT_WEIGHT", "GREATER_THAN", "0.4", True),
        ("VARIANT_WEIGHT", "LESS_THAN", "0.4", False),
        ("IS_PRICE_REDUCED", "IS_SET", "true", True),
        ("IS_PRICE_REDUCED", "IS_NOT_SET", "true", False),
        ("TYPE", "IS_NOT_SET", "", False),
    ],
)
def test_single_rule(column: str, relation: str, condition: str, expected: bool) -> None:
    assert matches_rule(SHIRT, CollectionRule(column, relation, condition)) is expected


def test_all_versus_any() -> None:
    rules = [CollectionRule("TAG", "EQUALS", "sale"), CollectionRule("VENDOR", "EQUALS", "Other")]
    assert not matches_rule_set(SHIRT, RuleSet(applied_disjunctively=False, rules=rules))
    assert matches_rule_set(SHIRT, RuleSet(applied_disjunctively=True, rules=rules))


def test_empty_rule_set_matches_nothing() -> None:
    assert not matches_rule_set(SHIRT, RuleSet(applied_disjunctively=True, rules=[]))
