"""Shopify search syntax: parsing and matching products, variants and collections."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopify_emulator.models import Product
from shopify_emulator.search import SearchSyntaxError, parse_query, product_filter, variant_filter
from shopify_emulator.search.filters import count_within, id_bounds
from shopify_emulator.search.parser import And, Not, Or, Term
from tests.shopify_emulator.factories import make_product

pytestmark = pytest.mark.quick


@pytest.fixture
def catalog() -> list[Product]:
    return [
        make_product(
            "Blue Cotton Shirt",
            vendor="Acme",
            product_type="Shirts",
            tags=["summer", "Sale"],
            status="ACTIVE",
            updated_at=datetime(2026, 2, 1, tzinfo=UTC),
            variants=[{"sku": "BLU-S", "price": Decimal("19.99")}, {"sku": "BLU-M", "title": "M"}],
        ),
        make_product(
            "Red Mug",
            vendor="Northwind",
            product_type="Mugs",
            tags=["gift"],
            status="DRAFT",
            updated_at=datetime(2025, 12, 31, 23, 0, tzinfo=UTC),
            variants=[{"sku": "MUG-1"}],
        ),
        make_product(
            "Shirt Dress",
            vendor="Blue Harbor",
            product_type="Dresses",
            tags=[],
            status="ARCHIVED",
            handle="shirt-dress",
            updated_at=datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC),
        ),
    ]


def titles(catalog: list[Product], query: str) -> list[str]:
    predicate, _ = product_filter(query)
    return [p.title for p in catalog if predicate(p)]


def test_parser_builds_boolean_structure() -> None:
    node = parse_query('title:"Blue Shirt" OR (tag:sale -vendor:acme) NOT status:draft')
    assert isinstance(node, Or)
    assert node.nodes[0] == Term("title", ":", "Blue Shirt", quoted=True)
    right = node.nodes[1]
    assert isinstance(right, And)
    assert isinstance(right.nodes[0], And)
    assert isinstance(right.nodes[1], Not)


def test_comparators_keep_colons_in_values() -> None:
    assert parse_query("updated_at:>2026-01-01T00:00:00Z") == Term(
        "updated_at", ">", "2026-01-01T00:00:00Z"
    )
    assert parse_query("inventory_total:<=5") == Term("inventory_total", "<=", "5")


def test_unbalanced_query_is_a_syntax_error() -> None:
    with pytest.raises(SearchSyntaxError):
        parse_query("(tag:a OR tag:b")
    with pytest.raises(SearchSyntaxError):
        parse_query('title:"open')


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status:active", ["Blue Cotton Shirt"]),
        ("status:active,draft", ["Blue Cotton Shirt", "Red Mug"]),
        ("title:shirt", ["Blue Cotton Shirt", "Shirt Dress"]),
        ("title:'cotton shirt'", ["Blue Cotton Shirt"]),
        ("title:shi*", ["Blue Cotton Shirt", "Shirt Dress"]),
        ("title:red*", ["Red Mug"]),
        ("handle:shirt-dress", ["Shirt Dress"]),
        ("sku:MUG-1", ["Red Mug"]),
        ("sku:blu*", ["Blue Cotton Shirt"]),
        ("tag:sale", ["Blue Cotton Shirt"]),
        ("vendor:acme", ["Blue Cotton Shirt"]),
        ("product_type:Mugs", ["Red Mug"]),
        ("-tag:gift", ["Blue Cotton Shirt", "Shirt Dress"]),
        ("NOT status:archived AND tag:gift", ["Red Mug"]),
        ("tag:gift OR tag:summer", ["Blue Cotton Shirt", "Red Mug"]),
        ("updated_at:>2026-01-01T00:00:00Z", ["Blue Cotton Shirt", "Shirt Dress"]),
        ("updated_at:<2026-01-01", ["Red Mug"]),
        ("updated_at:>2026-01-01", ["Blue Cotton Shirt"]),
        ("blue", ["Blue Cotton Shirt", "Shirt Dress"]),  # vendor Blue Harbor
        ("mug gift", ["Red Mug"]),
        ("unknown_filter:x", ["Blue Cotton Shirt", "Red Mug", "Shirt Dress"]),
    ],
)
def test_product_queries(catalog: list[Product], query: str, expected: list[str]) -> None:
    assert titles(catalog, query) == expected


def test_id_filter_accepts_numbers_and_ranges(catalog: list[Product]) -> None:
    _first, second, _ = catalog
    assert titles(catalog, f"id:{second.id}") == ["Red Mug"]
    assert titles(catalog, f"id:>={second.id}") == ["Red Mug", "Shirt Dress"]


@pytest.mark.parametrize("value", ["\u00b2", "\u0661", "1\u00b2", "gid://shopify/Product/\u00b2"])
def test_id_terms_of_non_ascii_digits_match_nothing(catalog: list[Product], value: str) -> None:
    # str.isdigit() accepts superscripts and other scripts' digits; Shopify reads them as no id.
    assert titles(catalog, f"id:{value}") == []
    assert titles(catalog, f"id:>={value}") == []
    rows = [(v, p) for p in catalog for v in p.variants]
    predicate, _ = variant_filter(f"product_ids:{value},{catalog[1].id}")
    assert [v.sku for v, p in rows if predicate((v, p))] == ["MUG-1"]


def test_unknown_filters_are_reported() -> None:
    _, unknown = product_filter("colour:red AND title:x")
    assert unknown == ["colour"]


def test_variant_queries_see_product_fields(catalog: list[Product]) -> None:
    rows = [(v, p) for p in catalog for v in p.variants]
    predicate, _ = variant_filter(f"product_id:{catalog[0].id} AND sku:BLU-M")
    assert [v.sku for v, p in rows if predicate((v, p))] == ["BLU-M"]


def test_variants_of_a_list_of_products(catalog: list[Product]) -> None:
    first, second, third = catalog
    rows = [(v, p) for p in catalog for v in p.variants]
    predicate, unknown = variant_filter(f"product_ids:{first.id},{third.id}")
    assert unknown == []
    assert [p.id for v, p in rows if predicate((v, p))] == [
        p.id for p in (first, third) for _ in p.variants
    ]
    predicate, _ = variant_filter(f"product_ids:{second.id}")
    assert [v.sku for v, p in rows if predicate((v, p))] == ["MUG-1"]


_ID_TERMS = st.builds(
    lambda op, value: f"id:{op}{value}",
    st.sampled_from([">=", ">", "<", "<=", "", "="]),
    st.one_of(
        st.integers(min_value=0, max_value=21).map(str),
        st.sampled_from(["gid://shopify/Product/9", "gid://shopify/Collection/9", "abc", "٣"]),
    ),
)


@given(
    ids=st.lists(st.integers(min_value=1, max_value=20), unique=True, max_size=15),
    terms=st.lists(_ID_TERMS, min_size=1, max_size=3),
    other=st.sampled_from([None, None, None, "tag:sale", "-id:10", "(id:>3)"]),
    joiner=st.sampled_from([" AND ", " AND ", " ", " OR "]),
)
@settings(max_examples=500)
def test_id_range_counts_by_bisection_as_the_filter_counts(
    ids: list[int], terms: list[str], other: str | None, joiner: str
) -> None:
    """The counts' fast path (`id_bounds`, `count_within`: an export plan's ~80 id-range
    counts) gives what testing each product gives, or declines."""
    query = joiner.join([*terms, *([other] if other else [])]) or None
    bounds = id_bounds(query, "Product")
    if bounds is None:
        return
    catalog = [make_product(f"P{number}", id=number) for number in ids]
    predicate, _ = product_filter(query)
    assert count_within(sorted(ids), bounds) == sum(1 for p in catalog if predicate(p))


def test_an_export_plans_id_ranges_are_counted_by_bisection() -> None:
    assert id_bounds("id:>=5 AND id:<9", "Product") == (5, 9)
    assert id_bounds("id:>4 id:<=8", "ProductVariant") == (5, 9)
    assert id_bounds("id:<9", "Product") == (None, 9)
    assert id_bounds("id:>=gid://shopify/Product/5", "Product") == (5, None)
    assert id_bounds("id:>=5 OR id:<9", "Product") is None
    assert id_bounds("id:5", "Product") is None
    assert id_bounds(None, "Product") is None
