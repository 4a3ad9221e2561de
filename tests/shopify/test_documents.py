"""Every document the client sends validates against Shopify's real Admin schema."""

from __future__ import annotations

from datetime import datetime

import pytest
from graphql import GraphQLSchema, parse, validate

from product_dashboard.shopify import documents
from product_dashboard.shopify.cost import MAX_QUERY_COST, estimate_cost
from product_dashboard.shopify.product_set import (
    DEFAULT_VARIANTS_FIRST,
    batch_variables,
    build_product_set_batch,
    max_batch_size,
    parse_batch_result,
    plan_batches,
    product_set_cost,
)

pytestmark = pytest.mark.quick


def assert_valid(schema: GraphQLSchema, text: str) -> None:
    errors = validate(schema, parse(text))
    assert not errors, "\n".join(str(error) for error in errors)


@pytest.mark.parametrize("name", sorted(documents.all_documents()))
def test_shipped_document_is_valid(shopify_schema: GraphQLSchema, name: str) -> None:
    assert_valid(shopify_schema, documents.document(name))


@pytest.mark.parametrize("size", [1, 5, "max"])
def test_batch_document_is_valid(shopify_schema: GraphQLSchema, size: int | str) -> None:
    k = max_batch_size() if size == "max" else int(size)
    assert_valid(shopify_schema, build_product_set_batch(k))


@pytest.mark.parametrize("search", [None, documents.updated_since_filter(datetime(2025, 1, 2))])
def test_bulk_export_query_is_valid(shopify_schema: GraphQLSchema, search: str | None) -> None:
    assert_valid(shopify_schema, documents.bulk_products_query(search))


def test_documents_ship_as_package_data() -> None:
    names = set(documents.all_documents())
    assert {"product_set", "products_page", "bulk_operation_status", "shop"} <= names
    assert not any(name.startswith("fragment_") for name in names)
    assert "fragment ProductSetPayloadFields" in documents.PRODUCT_SET


@pytest.mark.parametrize("variants_first", [1, 20, DEFAULT_VARIANTS_FIRST, 250])
def test_max_batch_stays_under_the_cap(variants_first: int) -> None:
    k = max_batch_size(variants_first=variants_first)
    variables = {"variantsFirst": variants_first}
    assert estimate_cost(build_product_set_batch(k), variables) <= MAX_QUERY_COST
    if k > 1 or product_set_cost(variants_first) * 2 <= MAX_QUERY_COST:
        assert estimate_cost(build_product_set_batch(k + 1), variables) > MAX_QUERY_COST


def test_batch_cost_is_ten_per_mutation_plus_selection() -> None:
    # product 1 + variants connection 2 + n x (variant 1 + selectedOptions 1) + userErrors 1
    assert product_set_cost(20) == 10 + 1 + 2 + 20 * 2 + 1
    assert estimate_cost(build_product_set_batch(3), {"variantsFirst": 20}) == 3 * 54
    assert max_batch_size(1000, variants_first=20) == 18


def test_batch_variables_and_results_line_up() -> None:
    items = [({"title": f"T{i}"}, {"handle": f"h{i}"}) for i in range(3)]
    variables = batch_variables(items, variants_first=7)
    assert variables["input2"] == {"title": "T2"}
    assert variables["identifier0"] == {"handle": "h0"}
    assert variables["variantsFirst"] == 7
    data = {
        "p0": {
            "product": {
                "id": "gid://shopify/Product/1",
                "handle": "h0",
                "updatedAt": "2025-01-01T00:00:00Z",
                "variants": {
                    "nodes": [
                        {
                            "id": "gid://shopify/ProductVariant/9",
                            "sku": "S",
                            "selectedOptions": [{"name": "Size", "value": "M"}],
                        }
                    ]
                },
            },
            "userErrors": [],
        },
        "p1": {
            "product": None,
            "userErrors": [{"field": ["input", "handle"], "message": "taken", "code": "TAKEN"}],
        },
    }
    outcomes = parse_batch_result(data, 3)
    assert outcomes[0].ok and outcomes[0].variants[0].option_values == (("Size", "M"),)
    assert not outcomes[1].ok and outcomes[1].user_errors[0].field == ("input", "handle")
    assert not outcomes[2].ok and "missing" in outcomes[2].user_errors[0].message


def test_documents_are_inside_the_emulator_subset() -> None:
    """The emulator serves a subset of Shopify's schema; our documents must stay inside it."""
    from importlib import resources

    from graphql import build_schema

    try:
        sdl = resources.files("shopify_emulator").joinpath("schema.graphql").read_text("utf-8")
    except FileNotFoundError:
        pytest.skip("shopify_emulator/schema.graphql is not there yet")
    schema = build_schema(sdl, assume_valid=True)
    texts = [
        *documents.all_documents().values(),
        build_product_set_batch(max_batch_size()),
        documents.bulk_products_query("updated_at:>'2025-01-01T00:00:00Z'"),
    ]
    for text in texts:
        assert_valid(schema, text)


def test_plan_batches_keeps_order_and_the_cap() -> None:
    counts = [3, 3, 100, 3, 3, 250, 1, *([2] * 40)]
    batches = plan_batches(counts)
    assert [i for group, _ in batches for i in group] == list(range(len(counts)))
    for group, variants_first in batches:
        assert variants_first >= max(min(counts[i], 250) for i in group)
        cost = estimate_cost(build_product_set_batch(len(group)), {"variantsFirst": variants_first})
        assert cost <= MAX_QUERY_COST
    assert plan_batches([]) == []
    assert [len(group) for group, _ in plan_batches([1] * 60, max_size=25)] == [25, 25, 10]
    assert len(plan_batches([2048])) == 1 and plan_batches([2048])[0][1] == 250
