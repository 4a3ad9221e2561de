"""Shopify's smart-collection rule set, evaluated as SQL.

The semantics follow Shopify's: text relations are case-insensitive; a VARIANT_* rule matches a
product when *any* of its variants matches; TAG NOT_EQUALS means "has no such tag";
IS_PRICE_REDUCED IS_SET means "some variant has a compare-at price" (IS_NOT_SET: some has none).
VARIANT_WEIGHT conditions are in grams unless they carry a unit ("1.5 kg", "2 lb", "8 oz").
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import ColumnElement, and_, exists, false, func, not_, or_, select

from product_dashboard.kit.money import to_cents
from product_dashboard.kit.numbers import parse_decimal
from product_dashboard.models import Product, ProductTag, ProductVariant


class RuleColumn(StrEnum):
    TAG = "TAG"
    TITLE = "TITLE"
    TYPE = "TYPE"
    VENDOR = "VENDOR"
    VARIANT_PRICE = "VARIANT_PRICE"
    VARIANT_COMPARE_AT_PRICE = "VARIANT_COMPARE_AT_PRICE"
    VARIANT_INVENTORY = "VARIANT_INVENTORY"
    VARIANT_TITLE = "VARIANT_TITLE"
    VARIANT_WEIGHT = "VARIANT_WEIGHT"
    IS_PRICE_REDUCED = "IS_PRICE_REDUCED"
    PRODUCT_CATEGORY_ID = "PRODUCT_CATEGORY_ID"


class RuleRelation(StrEnum):
    EQUALS = "EQUALS"
    NOT_EQUALS = "NOT_EQUALS"
    CONTAINS = "CONTAINS"
    NOT_CONTAINS = "NOT_CONTAINS"
    STARTS_WITH = "STARTS_WITH"
    ENDS_WITH = "ENDS_WITH"
    GREATER_THAN = "GREATER_THAN"
    LESS_THAN = "LESS_THAN"
    IS_SET = "IS_SET"
    IS_NOT_SET = "IS_NOT_SET"


R = RuleRelation
TEXT_RELATIONS = frozenset(
    {R.EQUALS, R.NOT_EQUALS, R.CONTAINS, R.NOT_CONTAINS, R.STARTS_WITH, R.ENDS_WITH}
)
NUMBER_RELATIONS = frozenset({R.EQUALS, R.NOT_EQUALS, R.GREATER_THAN, R.LESS_THAN})
SET_RELATIONS = frozenset({R.IS_SET, R.IS_NOT_SET})

# Which relations each column takes (Shopify's `collectionRulesConditions`, for these columns).
ALLOWED: dict[RuleColumn, frozenset[RuleRelation]] = {
    RuleColumn.TAG: frozenset({R.EQUALS, R.NOT_EQUALS}),
    RuleColumn.TITLE: TEXT_RELATIONS,
    RuleColumn.TYPE: TEXT_RELATIONS | SET_RELATIONS,
    RuleColumn.VENDOR: TEXT_RELATIONS | SET_RELATIONS,
    RuleColumn.VARIANT_TITLE: TEXT_RELATIONS,
    RuleColumn.VARIANT_PRICE: NUMBER_RELATIONS,
    RuleColumn.VARIANT_COMPARE_AT_PRICE: NUMBER_RELATIONS | SET_RELATIONS,
    RuleColumn.VARIANT_INVENTORY: NUMBER_RELATIONS,
    RuleColumn.VARIANT_WEIGHT: NUMBER_RELATIONS | SET_RELATIONS,
    RuleColumn.IS_PRICE_REDUCED: SET_RELATIONS,
    RuleColumn.PRODUCT_CATEGORY_ID: frozenset({R.EQUALS, R.NOT_EQUALS}),
}
MAX_RULES = 60  # Shopify's limit per collection

_WEIGHT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(g|kg|lb|lbs|oz)?\s*$", re.IGNORECASE)
_GRAMS_PER = {
    "g": Decimal(1),
    "kg": Decimal(1000),
    "lb": Decimal("453.59237"),
    "oz": Decimal("28.349523125"),
}


def parse_weight(condition: str) -> tuple[Decimal, str]:
    """The number and unit of a weight condition ("1.5 kg" -> 1.5, "kg"); no unit is grams."""
    match = _WEIGHT.match(condition)
    if match is None:
        raise ValueError("must be a weight such as '500', '500 g', '1.5 kg', '2 lb' or '8 oz'")
    return parse_decimal(match.group(1)), (match.group(2) or "g").lower().removesuffix("s")


def parse_weight_grams(condition: str) -> Decimal:
    number, unit = parse_weight(condition)
    return number * _GRAMS_PER[unit]


def _number(column: RuleColumn, condition: str) -> Decimal:
    """The condition as a number in the unit the column is stored in (cents, grams, units)."""
    if column == RuleColumn.VARIANT_WEIGHT:
        return parse_weight_grams(condition)
    value = parse_decimal(condition)
    if column in (RuleColumn.VARIANT_PRICE, RuleColumn.VARIANT_COMPARE_AT_PRICE):
        return Decimal(to_cents(value.quantize(Decimal("0.01"))))
    return value


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    column: RuleColumn
    relation: RuleRelation
    condition: str = Field(default="", max_length=255)

    @model_validator(mode="after")
    def _valid_combination(self) -> Rule:
        allowed = ALLOWED[self.column]
        if self.relation not in allowed:
            raise ValueError(
                f"{self.column.value} does not take {self.relation.value}; "
                f"use one of {', '.join(sorted(r.value for r in allowed))}"
            )
        if self.relation in SET_RELATIONS:
            return self
        if not self.condition.strip():
            raise ValueError(f"{self.column.value} {self.relation.value} needs a condition")
        if self.column in _NUMERIC:
            _number(self.column, self.condition)
        return self


_NUMERIC = frozenset(
    {
        RuleColumn.VARIANT_PRICE,
        RuleColumn.VARIANT_COMPARE_AT_PRICE,
        RuleColumn.VARIANT_INVENTORY,
        RuleColumn.VARIANT_WEIGHT,
    }
)


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _text(column: Any, relation: RuleRelation, condition: str) -> ColumnElement[bool]:
    value = condition.strip().lower()
    lowered = func.lower(column)
    escaped = _escape_like(value)
    match relation:
        case R.EQUALS:
            return lowered == value
        case R.NOT_EQUALS:
            return lowered != value
        case R.CONTAINS:
            return lowered.like(f"%{escaped}%", escape="\\")
        case R.NOT_CONTAINS:
            return not_(lowered.like(f"%{escaped}%", escape="\\"))
        case R.STARTS_WITH:
            return lowered.like(f"{escaped}%", escape="\\")
        case R.ENDS_WITH:
            return lowered.like(f"%{escaped}", escape="\\")
    raise ValueError(f"{relation} is not a text relation")


def _compare(column: Any, relation: RuleRelation, value: Decimal) -> ColumnElement[bool]:
    # Columns hold integers, so compare with integers: c > 1.5 is c > 1, c < 1.5 is c < 2.
    whole = value == value.to_integral_value()
    match relation:
        case R.EQUALS:
            return column == int(value) if whole else false()
        case R.NOT_EQUALS:
            return column != int(value) if whole else column.is_not(None)
        case R.GREATER_THAN:
            return column > math.floor(value)
        case R.LESS_THAN:
            return column < math.ceil(value)
    raise ValueError(f"{relation} is not a numeric relation")


def _set(column: Any, relation: RuleRelation, empty_is_unset: bool) -> ColumnElement[bool]:
    unset = or_(column.is_(None), column == "") if empty_is_unset else column.is_(None)
    return not_(unset) if relation == R.IS_SET else unset


def _any_variant(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists(
        select(ProductVariant.id).where(ProductVariant.product_id == Product.id, condition)
    )


_VARIANT_COLUMNS = {
    RuleColumn.VARIANT_PRICE: ProductVariant.price_cents,
    RuleColumn.VARIANT_COMPARE_AT_PRICE: ProductVariant.compare_at_price_cents,
    RuleColumn.VARIANT_INVENTORY: ProductVariant.inventory_quantity,
    RuleColumn.VARIANT_WEIGHT: ProductVariant.weight_grams,
}


def rule_condition(rule: Rule) -> ColumnElement[bool]:
    """SQL that is true for the products (rows of `product`) matching one rule."""
    column, relation = rule.column, rule.relation
    match column:
        case RuleColumn.TAG:
            has_tag = exists(
                select(ProductTag.id).where(
                    ProductTag.product_id == Product.id,
                    ProductTag.tag_key == rule.condition.strip().lower(),
                )
            )
            return has_tag if relation == R.EQUALS else not_(has_tag)
        case RuleColumn.TITLE:
            return _text(Product.title, relation, rule.condition)
        case RuleColumn.TYPE | RuleColumn.VENDOR:
            attribute = Product.product_type if column == RuleColumn.TYPE else Product.vendor
            if relation in SET_RELATIONS:
                return _set(attribute, relation, empty_is_unset=True)
            return _text(attribute, relation, rule.condition)
        case RuleColumn.PRODUCT_CATEGORY_ID:
            same = Product.category_id == rule.condition.strip()
            return same if relation == R.EQUALS else or_(Product.category_id.is_(None), not_(same))
        case RuleColumn.VARIANT_TITLE:
            return _any_variant(_text(ProductVariant.title, relation, rule.condition))
        case RuleColumn.IS_PRICE_REDUCED:
            return _any_variant(
                _set(ProductVariant.compare_at_price_cents, relation, empty_is_unset=False)
            )
    variant_column = _VARIANT_COLUMNS[column]
    if relation in SET_RELATIONS:
        return _any_variant(_set(variant_column, relation, empty_is_unset=False))
    return _any_variant(_compare(variant_column, relation, _number(column, rule.condition)))


def rules_condition(rules: list[Rule], disjunctive: bool) -> ColumnElement[bool]:
    """All rules (or any, when disjunctive); an empty rule set matches nothing."""
    if not rules:
        return false()
    conditions = [rule_condition(rule) for rule in rules]
    if len(conditions) == 1:
        return conditions[0]
    return or_(*conditions) if disjunctive else and_(*conditions)


__all__ = [
    "ALLOWED",
    "MAX_RULES",
    "Rule",
    "RuleColumn",
    "RuleRelation",
    "rule_condition",
    "rules_condition",
]
