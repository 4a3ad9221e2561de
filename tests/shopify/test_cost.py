"""Requested-cost estimates by Shopify's rules."""

from __future__ import annotations

import pytest

from product_dashboard.shopify.cost import estimate_cost

pytestmark = pytest.mark.quick


@pytest.mark.parametrize(
    ("document", "variables", "expected"),
    [
        ("{ shop { name } }", None, 1),
        ("{ products(first: 10) { edges { node { id title } } } }", None, 12),
        ("{ products(first: 10) { nodes { id variants(first: 5) { nodes { sku } } } } }", None, 82),
        (
            "query($n: Int!) { products(first: $n) { nodes { id } pageInfo { hasNextPage } } }",
            {"n": 50},
            52,
        ),
        ("query($n: Int = 3) { products(first: $n) { nodes { id } } }", None, 5),
        ('mutation { productDelete(input: {id: "x"}) { deletedProductId } }', None, 10),
        (
            'mutation { a: productDelete(input: {id: "x"}) { userErrors { field } }'
            ' b: productDelete(input: {id: "y"}) { userErrors { field } } }',
            None,
            22,
        ),
        (
            "query($id: ID!) { node(id: $id) { id ... on BulkOperation { status url } } }",
            {"id": "gid://shopify/BulkOperation/1"},
            1,
        ),
        (
            "query { products(first: 2) { nodes { ...P } } } "
            "fragment P on Product { id category { id } }",
            None,
            6,
        ),
    ],
)
def test_estimates_follow_shopify_rules(
    document: str, variables: dict[str, object] | None, expected: int
) -> None:
    assert estimate_cost(document, variables) == expected


def test_missing_page_variable_errs_high() -> None:
    assert estimate_cost("query($n: Int) { products(first: $n) { nodes { id } } }", {}) == 252
