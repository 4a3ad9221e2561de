"""Turn parsed search queries into predicates over products, variants and collections."""

from __future__ import annotations

import operator
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from shopify_emulator.clock import parse_datetime
from shopify_emulator.gid import is_numeric_id, parse_numeric_gid
from shopify_emulator.models import Collection, Product, Variant
from shopify_emulator.search.parser import (
    And,
    Node,
    Not,
    Or,
    SearchSyntaxError,
    Term,
    parse_query,
)

T = TypeVar("T")
Predicate = Callable[[T], bool]
FieldMatcher = Callable[[Term], Predicate[T]]

_WORD = re.compile(r"[\w']+", re.UNICODE)


# --- value matchers -----------------------------------------------------------------------
def text_matches(term: Term, text: str | None) -> bool:
    """Case-insensitive: whole value, or a run of words; trailing * makes it a prefix match."""
    if text is None:
        return False
    haystack = text.lower()
    wanted = term.value.lower()
    if wanted.endswith("*"):
        prefix = wanted[:-1]
        return haystack.startswith(prefix) or any(
            w.startswith(prefix) for w in _WORD.findall(haystack)
        )
    if haystack == wanted:
        return True
    words = _WORD.findall(haystack)
    needle = _WORD.findall(wanted)
    if not needle:
        return False
    span = len(needle)
    return any(words[i : i + span] == needle for i in range(len(words) - span + 1))


def exact_matches(term: Term, value: str | None) -> bool:
    if value is None:
        return False
    wanted = term.value.lower()
    if wanted.endswith("*"):
        return value.lower().startswith(wanted[:-1])
    return value.lower() == wanted


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == ">":
        return bool(left > right)
    if op == "<":
        return bool(left < right)
    if op == ">=":
        return bool(left >= right)
    if op == "<=":
        return bool(left <= right)
    return bool(left == right)


def number_matches(term: Term, value: float | int | None) -> bool:
    if value is None:
        return False
    try:
        wanted = Decimal(term.value)
    except InvalidOperation:
        return False
    return _compare(term.op, Decimal(str(value)), wanted)


def id_matches(term: Term, value: int, type_name: str) -> bool:
    return id_matcher(term, type_name)(value)


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
}


def id_matcher(term: Term, type_name: str) -> Predicate[int]:
    """`id_matches` with the term read once (an export's id ranges test every item)."""
    raw = term.value
    number = parse_numeric_gid(raw, type_name) if raw.startswith("gid://") else None
    if number is None:
        if not is_numeric_id(raw):
            return lambda _value: False
        number = int(raw)
    compare = _COMPARISONS.get(term.op, operator.eq)
    return lambda value: compare(value, number)


def id_bounds(query: str | None, type_name: str) -> tuple[int | None, int | None] | None:
    """`(low, high)` for `low <= id < high` (either open: None) when `query` is nothing but
    comparisons of the id (a number, or a gid of `type_name`) joined by AND (an export's id
    range), so its matches are a run of the id-sorted items (counted by bisection, not by
    testing each); None for any other query (filtered item by item, as `id_matcher` does)."""
    try:
        node = parse_query(query)
    except SearchSyntaxError:
        return None
    terms = node.nodes if isinstance(node, And) else (node,)
    low: int | None = None
    high: int | None = None
    for term in terms:
        if not isinstance(term, Term) or term.field != "id" or term.op not in _COMPARISONS:
            return None
        raw = term.value
        known = parse_numeric_gid(raw, type_name) if raw.startswith("gid://") else None
        if known is None and not is_numeric_id(raw):
            return None  # matches nothing (`id_matcher`): left to the filter
        number = known if known is not None else int(raw)
        if term.op in (">", ">="):
            number += term.op == ">"
            low = number if low is None else max(low, number)
        else:
            number += term.op == "<="
            high = number if high is None else min(high, number)
    return low, high


def count_within(ids: Sequence[int], bounds: tuple[int | None, int | None]) -> int:
    """How many of the sorted `ids` are within `id_bounds`' `(low, high)`."""
    low, high = bounds
    first = 0 if low is None else bisect_left(ids, low)
    end = len(ids) if high is None else bisect_left(ids, high)
    return max(0, end - first)


def id_list_matcher(term: Term) -> Predicate[int]:
    """`product_ids:1,2,3`: a comma-separated list of numeric ids, any of them."""
    numbers = (raw.strip() for raw in term.value.split(","))
    wanted = {int(number) for number in numbers if is_numeric_id(number)}
    return lambda value: value in wanted


def date_matches(term: Term, value: datetime | None) -> bool:
    if value is None:
        return False
    raw = term.value.strip()
    try:
        wanted = parse_datetime(raw)
    except ValueError:
        return False
    date_only = len(raw) == 10
    if term.op == ":":
        if date_only:
            return wanted <= value < wanted + timedelta(days=1)
        return value == wanted
    if date_only and term.op in (">", "<="):
        # `updated_at:>2026-01-01` means after that whole day, as Shopify reads dates.
        wanted = wanted + timedelta(days=1) - timedelta(seconds=1)
    return _compare(term.op, value, wanted)


def any_matches(term: Term, values: Iterable[str | None], exact: bool = True) -> bool:
    matcher = exact_matches if exact else text_matches
    return any(matcher(term, v) for v in values)


def _enum_matches(term: Term, value: str) -> bool:
    return value.lower() in {v.strip().lower() for v in term.value.split(",")}


# --- compilation --------------------------------------------------------------------------
def compile_query(
    node: Node | None, fields: dict[str, FieldMatcher[T]], default: FieldMatcher[T]
) -> Predicate[T]:
    if node is None:
        return lambda _item: True
    if isinstance(node, Term):
        if node.field is None:
            return default(node)
        matcher = fields.get(node.field)
        if matcher is None:
            return lambda _item: True  # Shopify ignores unknown filters (with a warning).
        return matcher(node)
    if isinstance(node, Not):
        inner = compile_query(node.node, fields, default)
        return lambda item: not inner(item)
    parts = [compile_query(child, fields, default) for child in node.nodes]
    if isinstance(node, And):
        if len(parts) == 2:  # an id range, the commonest
            first, second = parts
            return lambda item: first(item) and second(item)
        return lambda item: all(p(item) for p in parts)
    assert isinstance(node, Or)
    return lambda item: any(p(item) for p in parts)


def unknown_fields(node: Node | None, fields: Iterable[str]) -> list[str]:
    """Filter names in the query that the resource does not support."""
    known = set(fields)
    found: list[str] = []

    def walk(n: Node | None) -> None:
        if isinstance(n, Term):
            if n.field is not None and n.field not in known and n.field not in found:
                found.append(n.field)
        elif isinstance(n, Not):
            walk(n.node)
        elif isinstance(n, And | Or):
            for child in n.nodes:
                walk(child)

    walk(node)
    return found


# --- products -----------------------------------------------------------------------------
PRODUCT_FIELDS: dict[str, FieldMatcher[Product]] = {
    "title": lambda t: lambda p: text_matches(t, p.title),
    "vendor": lambda t: lambda p: text_matches(t, p.vendor),
    "product_type": lambda t: lambda p: text_matches(t, p.product_type),
    "handle": lambda t: lambda p: exact_matches(t, p.handle),
    "tag": lambda t: lambda p: any_matches(t, p.tags),
    "tag_not": lambda t: lambda p: not any_matches(t, p.tags),
    "sku": lambda t: lambda p: any_matches(t, (v.sku for v in p.variants)),
    "barcode": lambda t: lambda p: any_matches(t, (v.barcode for v in p.variants)),
    "status": lambda t: lambda p: _enum_matches(t, p.status),
    "id": lambda t: _of_id(id_matcher(t, "Product")),
    "created_at": lambda t: lambda p: date_matches(t, p.created_at),
    "updated_at": lambda t: lambda p: date_matches(t, p.updated_at),
    "published_at": lambda t: lambda p: date_matches(t, p.published_at),
    "inventory_total": lambda t: lambda p: number_matches(t, p.total_inventory),
    "variant_id": lambda t: (
        lambda p: any(id_matches(t, v.id, "ProductVariant") for v in p.variants)
    ),
    "price": lambda t: lambda p: any(number_matches(t, float(v.price)) for v in p.variants),
    "gift_card": lambda t: lambda p: t.value.lower() == "false",
    "category_id": lambda t: lambda p: exact_matches(t, p.category_id),
}


def _of_id(matches: Predicate[int]) -> Predicate[Product]:
    return lambda p: matches(p.id)


def _product_default(term: Term) -> Predicate[Product]:
    return lambda p: (
        text_matches(term, p.title)
        or text_matches(term, p.vendor)
        or text_matches(term, p.product_type)
        or any_matches(term, p.tags)
        or any_matches(term, (v.sku for v in p.variants))
    )


def product_filter(query: str | None) -> tuple[Predicate[Product], list[str]]:
    """A predicate for `products(query:)` and the unknown filter names it contained."""
    node = parse_query(query)
    return compile_query(node, PRODUCT_FIELDS, _product_default), unknown_fields(
        node, PRODUCT_FIELDS
    )


# --- variants (the product rides along for product-level filters) --------------------------
VariantRow = tuple[Variant, Product]
VARIANT_FIELDS: dict[str, FieldMatcher[VariantRow]] = {
    "sku": lambda t: lambda r: exact_matches(t, r[0].sku),
    "barcode": lambda t: lambda r: exact_matches(t, r[0].barcode),
    "title": lambda t: lambda r: text_matches(t, r[0].title),
    "id": lambda t: _of_variant(id_matcher(t, "ProductVariant")),
    "product_id": lambda t: _of_product(id_matcher(t, "Product")),
    "product_ids": lambda t: _of_product(id_list_matcher(t)),
    "product_status": lambda t: lambda r: _enum_matches(t, r[1].status),
    "vendor": lambda t: lambda r: text_matches(t, r[1].vendor),
    "product_type": lambda t: lambda r: text_matches(t, r[1].product_type),
    "tag": lambda t: lambda r: any_matches(t, r[1].tags),
    "inventory_quantity": lambda t: lambda r: number_matches(t, r[0].inventory_quantity),
    "price": lambda t: lambda r: number_matches(t, float(r[0].price)),
    "created_at": lambda t: lambda r: date_matches(t, r[0].created_at),
    "updated_at": lambda t: lambda r: date_matches(t, r[0].updated_at),
}


def _of_product(matches: Predicate[int]) -> Predicate[VariantRow]:
    return lambda r: matches(r[1].id)


def _of_variant(matches: Predicate[int]) -> Predicate[VariantRow]:
    return lambda r: matches(r[0].id)


def _variant_default(term: Term) -> Predicate[VariantRow]:
    return lambda r: (
        text_matches(term, r[0].title)
        or exact_matches(term, r[0].sku)
        or text_matches(term, r[1].title)
    )


def variant_filter(query: str | None) -> tuple[Predicate[VariantRow], list[str]]:
    node = parse_query(query)
    return compile_query(node, VARIANT_FIELDS, _variant_default), unknown_fields(
        node, VARIANT_FIELDS
    )


# --- collections --------------------------------------------------------------------------
COLLECTION_FIELDS: dict[str, FieldMatcher[Collection]] = {
    "title": lambda t: lambda c: text_matches(t, c.title),
    "handle": lambda t: lambda c: exact_matches(t, c.handle),
    "id": lambda t: lambda c: id_matches(t, c.id, "Collection"),
    "collection_type": lambda t: lambda c: t.value.lower() == ("smart" if c.is_smart else "custom"),
    "updated_at": lambda t: lambda c: date_matches(t, c.updated_at),
}


def _collection_default(term: Term) -> Predicate[Collection]:
    return lambda c: text_matches(term, c.title)


def collection_filter(query: str | None) -> tuple[Predicate[Collection], list[str]]:
    node = parse_query(query)
    return (
        compile_query(node, COLLECTION_FIELDS, _collection_default),
        unknown_fields(node, COLLECTION_FIELDS),
    )
