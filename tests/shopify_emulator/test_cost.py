"""Requested and actual query cost by Shopify's documented rules."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLSchema, OperationDefinitionNode, parse

from shopify_emulator.cost import actual_cost, requested_cost
from shopify_emulator.graphql_schema import build_executable_schema

pytestmark = pytest.mark.quick

PID = "gid://shopify/Product/1"


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_executable_schema()


def _requested(schema: GraphQLSchema, query: str, variables: dict[str, Any] | None = None) -> int:
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    return requested_cost(schema, document, operation, variables or {})


@pytest.mark.parametrize(
    ("query", "variables", "expected"),
    [
        # An object costs 1; its scalars and enums cost nothing.
        ("{ shop { id name myshopifyDomain } }", None, 1),
        (f'{{ product(id: "{PID}") {{ title status tags }} }}', None, 1),
        # Nested objects add up: shop 1 + plan 1.
        ("{ shop { name plan { displayName } } }", None, 2),
        # A connection costs 2 + first x (1 per node + the node's own selection).
        ("{ products(first: 10) { edges { node { id title } } } }", None, 12),
        ("{ products(first: 3) { nodes { id } } }", None, 5),
        (f'{{ product(id: "{PID}") {{ variants(last: 20) {{ nodes {{ id }} }} }} }}', None, 23),
        # Nested connections multiply.
        (
            "{ products(first: 5) { edges { node { title variants(first: 10) "
            "{ edges { node { title } } } } } } }",
            None,
            67,
        ),
        (
            "{ collections(first: 2) { nodes { products(first: 3) { nodes { title } } } } }",
            None,
            14,
        ),
        # Page size from a variable.
        ("query($n: Int!) { products(first: $n) { nodes { id } } }", {"n": 50}, 52),
        # ... or from a variable's declared default.
        ("query($n: Int = 20) { products(first: $n) { nodes { id } } }", None, 22),
        # pageInfo alone costs only the connection's 2.
        ("{ products(first: 1) { pageInfo { hasNextPage } } }", None, 2),
        # Interfaces: the most expensive possible type.
        (
            f'{{ node(id: "{PID}") {{ id ... on Product {{ title featuredImage {{ url }} }} }} }}',
            None,
            2,
        ),
        # Fragments are followed; skipped selections are free.
        (
            "query { products(first: 2) { ...F } } "
            "fragment F on ProductConnection { nodes { id } }",
            None,
            4,
        ),
        (
            "query($x: Boolean!) { shop { name } "
            "products(first: 10) @include(if: $x) { nodes { id } } }",
            {"x": False},
            1,
        ),
        ("{ shop { name } products(first: 3) { nodes { id } } }", None, 6),
        # A mutation costs 10 whatever plain objects it returns.
        (
            'mutation { productCreate(product: {title: "x"}) '
            "{ product { id } userErrors { field message } } }",
            None,
            10,
        ),
        # ... plus the connections in its payload.
        (
            'mutation { productSet(input: {title: "x"}) '
            "{ product { variants(first: 5) { nodes { id } } } } }",
            None,
            17,
        ),
        ("{ __typename }", None, 0),
    ],
)
def test_requested_cost(
    schema: GraphQLSchema, query: str, variables: dict[str, Any] | None, expected: int
) -> None:
    assert _requested(schema, query, variables) == expected


def test_huge_nested_connection_exceeds_single_query_limit(schema: GraphQLSchema) -> None:
    query = "{ products(first: 250) { nodes { variants(first: 250) { nodes { id } } } } }"
    assert _requested(schema, query) == 2 + 250 * (1 + 2 + 250)


def test_actual_cost_charges_returned_nodes_only(schema: GraphQLSchema) -> None:
    query = "{ products(first: 10) { nodes { id variants(first: 5) { nodes { id } } } } }"
    document = parse(query)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    data = {
        "products": {
            "nodes": [
                {
                    "id": "gid://shopify/Product/1",
                    "variants": {"nodes": [{"id": "v1"}, {"id": "v2"}]},
                },
                {"id": "gid://shopify/Product/2", "variants": {"nodes": [{"id": "v3"}]}},
            ]
        }
    }
    # 2 + 2 products x (1 + the largest variants connection: 2 + 2)
    assert actual_cost(schema, document, operation, {}, data) == 2 + 2 * (1 + 4)
    assert requested_cost(schema, document, operation, {}) == 2 + 10 * (1 + 7)


def test_null_objects_cost_nothing(schema: GraphQLSchema) -> None:
    document = parse(f'{{ product(id: "{PID}") {{ title }} }}')
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    assert actual_cost(schema, document, operation, {}, {"product": None}) == 0
    assert actual_cost(schema, document, operation, {}, {"product": {"title": "a"}}) == 1


# --- variable defaults used inside fragments ----------------------------------------------------
VARIANTS_FRAGMENT = "fragment V on Product { variants(first: $n) { nodes { id } } }"


@pytest.mark.parametrize(
    ("query", "variables", "expected"),
    [
        # A default read inside a named fragment: 2 + 2 x (1 + 2 + 20 x 1).
        (
            "query($n: Int = 20) { products(first: 2) { nodes { ...V } } } " + VARIANTS_FRAGMENT,
            None,
            48,
        ),
        # ... overridden by a given value.
        (
            "query($n: Int = 20) { products(first: 2) { nodes { ...V } } } " + VARIANTS_FRAGMENT,
            {"n": 5},
            18,
        ),
        # A fragment spread inside another fragment, and the page size of the outer connection
        # from a default too.
        (
            "query($p: Int = 3, $n: Int = 10) { products(first: $p) { ...Outer } } "
            "fragment Outer on ProductConnection { nodes { ...V } } " + VARIANTS_FRAGMENT,
            None,
            2 + 3 * (1 + 2 + 10),
        ),
        # An inline fragment inside a named fragment, on an interface.
        (
            f'query($n: Int = 7) {{ node(id: "{PID}") {{ ...N }} }} '
            "fragment N on Node { ... on Product { variants(first: $n) { nodes { id } } } }",
            None,
            1 + 2 + 7,
        ),
        # @include with a default inside a fragment.
        (
            "query($x: Boolean = true) { shop { name } ...Q } "
            "fragment Q on QueryRoot { products(first: 4) @include(if: $x) { nodes { id } } }",
            None,
            1 + 2 + 4,
        ),
        # A mutation whose payload fragment reads the default (the dashboard's productSet):
        # 10 + variants 2 + 100 x (1 + selectedOptions 1).
        (
            "mutation($input: ProductSetInput!, $variantsFirst: Int = 100) "
            "{ productSet(input: $input) { ...Payload } } "
            "fragment Payload on ProductSetPayload { product { id variants(first: $variantsFirst) "
            "{ nodes { id selectedOptions { name value } } } } userErrors { field message } }",
            {"input": {"title": "x"}},
            212,
        ),
    ],
)
def test_requested_cost_uses_variable_defaults_inside_fragments(
    schema: GraphQLSchema, query: str, variables: dict[str, Any] | None, expected: int
) -> None:
    assert _requested(schema, query, variables) == expected


def test_cost_cache_tells_defaults_from_given_values(schema: GraphQLSchema) -> None:
    from shopify_emulator.cost import RequestedCostCache

    document = parse(
        "query($n: Int = 20) { products(first: 2) { nodes { ...V } } } " + VARIANTS_FRAGMENT
    )
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    cache = RequestedCostCache()
    costs = [cache.get(schema, document, operation, v) for v in ({}, {"n": 5}, {}, {"n": 20})]
    assert costs == [48, 18, 48, 48]
    # Another document reusing the same ids must not get the first one's cost.
    other = parse(
        "query($n: Int = 1) { products(first: 2) { nodes { ...V } } } " + VARIANTS_FRAGMENT
    )
    other_operation = next(d for d in other.definitions if isinstance(d, OperationDefinitionNode))
    cache._reads[(id(other), id(other_operation))] = cache._reads.popitem()[1]
    for key in list(cache._costs):
        cache._costs[(id(other), id(other_operation), *key[2:])] = cache._costs.pop(key)
    assert cache.get(schema, other, other_operation, {}) == 2 + 2 * (1 + 2 + 1)


PRODUCT_SET = (
    "mutation set($input: ProductSetInput!) "
    "{ productSet(input: $input, synchronous: true) { product { id } userErrors { field } } }"
)


def _variants(count: int, **extra: Any) -> list[dict[str, Any]]:
    return [
        {"optionValues": [{"optionName": "Size", "name": str(n)}], **extra} for n in range(count)
    ]


@pytest.mark.parametrize(
    ("product", "expected_base"),
    [
        ({"title": "T"}, 10),
        ({"title": "T", "variants": _variants(1)}, 11),  # 10.2, rounded up
        ({"title": "T", "variants": _variants(100)}, 30),  # 10 + 100 x 0.2
        ({"title": "T", "variants": _variants(2048)}, 420),  # 10 + 409.6
        (  # 10 + 2 x (0.2 + 0.6 + 2 x 0.4) + 3 x 0.4 + 2 x 1.9 = 18.2
            {
                "title": "T",
                "variants": _variants(
                    2,
                    file={"originalSource": "https://x/a.png"},
                    metafields=[{"key": "a"}, {"key": "b"}],
                ),
                "metafields": [{"key": "c"}, {"key": "d"}, {"key": "e"}],
                "files": [{"originalSource": "https://x/a.png"}, {"originalSource": "https://x/b"}],
            },
            19,
        ),
    ],
)
def test_product_set_costs_by_its_input(
    schema: GraphQLSchema, product: dict[str, Any], expected_base: int
) -> None:
    # Objects selected under a mutation add nothing; connections would.
    assert _requested(schema, PRODUCT_SET, {"input": product}) == expected_base
    document = parse(PRODUCT_SET)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    data = {"productSet": {"product": {"id": PID}, "userErrors": []}}
    assert actual_cost(schema, document, operation, {"input": product}, data) == expected_base


def test_other_mutations_cost_ten(schema: GraphQLSchema) -> None:
    query = f'mutation {{ productDelete(input: {{id: "{PID}"}}) {{ deletedProductId }} }}'
    assert _requested(schema, query) == 10
