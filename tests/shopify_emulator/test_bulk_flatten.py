"""Bulk query flattening and the document checks done before an operation is created."""

from __future__ import annotations

import pytest

from shopify_emulator.bulk import flatten_bulk_result, mutation_errors, query_errors

pytestmark = pytest.mark.quick


def test_nested_connections_become_lines_with_parent_id() -> None:
    data = {
        "products": {
            "edges": [
                {
                    "node": {
                        "id": "gid://shopify/Product/1",
                        "title": "Tee",
                        "seo": {"title": "Tee!"},
                        "variants": {
                            "edges": [
                                {"node": {"id": "gid://shopify/ProductVariant/11", "sku": "A"}},
                                {"node": {"id": "gid://shopify/ProductVariant/12", "sku": "B"}},
                            ],
                            "pageInfo": {"hasNextPage": False},
                        },
                        "collections": {"nodes": [{"id": "gid://shopify/Collection/7"}]},
                    }
                },
                {
                    "node": {
                        "id": "gid://shopify/Product/2",
                        "title": "Mug",
                        "variants": {"nodes": []},
                    }
                },
            ],
            "pageInfo": {"hasNextPage": False, "endCursor": "x"},
        }
    }
    assert list(flatten_bulk_result(data)) == [
        {"id": "gid://shopify/Product/1", "title": "Tee", "seo": {"title": "Tee!"}},
        {
            "id": "gid://shopify/ProductVariant/11",
            "sku": "A",
            "__parentId": "gid://shopify/Product/1",
        },
        {
            "id": "gid://shopify/ProductVariant/12",
            "sku": "B",
            "__parentId": "gid://shopify/Product/1",
        },
        {"id": "gid://shopify/Collection/7", "__parentId": "gid://shopify/Product/1"},
        {"id": "gid://shopify/Product/2", "title": "Mug"},
    ]


def test_connection_inside_inline_object_and_two_levels() -> None:
    data = {
        "products": {
            "nodes": [
                {
                    "id": "P1",
                    "featuredMedia": {
                        "alt": "x",
                        "metafields": {"nodes": [{"id": "M1", "value": "v"}]},
                    },
                    "variants": {
                        "nodes": [
                            {"id": "V1", "metafields": {"edges": [{"node": {"id": "VM1"}}]}},
                        ]
                    },
                }
            ]
        }
    }
    assert list(flatten_bulk_result(data)) == [
        {"id": "P1", "featuredMedia": {"alt": "x"}},
        {"id": "M1", "value": "v", "__parentId": "P1"},
        {"id": "V1", "__parentId": "P1"},
        {"id": "VM1", "__parentId": "V1"},
    ]


def test_plain_lists_and_objects_named_like_connections_stay_inline() -> None:
    data = {
        "products": {
            "nodes": [
                {
                    "id": "P1",
                    "tags": ["a", "b"],
                    "options": [{"name": "Size", "values": ["S"]}],
                    "graph": {"nodes": [1, 2], "weight": 3},
                }
            ]
        }
    }
    assert list(flatten_bulk_result(data)) == [
        {
            "id": "P1",
            "tags": ["a", "b"],
            "options": [{"name": "Size", "values": ["S"]}],
            "graph": {"nodes": [1, 2], "weight": 3},
        }
    ]


def test_empty_and_null_roots() -> None:
    assert list(flatten_bulk_result({"products": {"edges": []}})) == []
    assert list(flatten_bulk_result({"product": None})) == []


def test_query_checks() -> None:
    ok = "{ products { edges { node { id variants { edges { node { id } } } } } } }"
    assert query_errors(ok) == []
    assert query_errors('query Q { products(query: "x") { nodes { id } } }') == []
    assert query_errors("{ shop { name } }") == [
        "Bulk queries must contain at least one connection."
    ]
    too_deep = "{ products { nodes { id variants { nodes { id metafields { nodes { id } } } } } } }"
    assert any("nesting depth" in m for m in query_errors(too_deep))
    six = (
        "{ products { nodes { id "
        + " ".join(f"c{i}: collections(first: 1) {{ nodes {{ id }} }}" for i in range(5))
        + " } } }"
    )
    assert any("more than 5" in m for m in query_errors(six))
    via_fragment = (
        "query { products { nodes { ...P } } } "
        "fragment P on Product { id variants { nodes { id media { nodes { id } } } } }"
    )
    assert any("nesting depth" in m for m in query_errors(via_fragment))
    assert query_errors("mutation { productDelete(input: {id: 1}) { deletedProductId } }")
    assert query_errors("{ products { ") != []


def test_mutation_checks() -> None:
    create = (
        "mutation call($input: ProductInput!) { productCreate(input: $input) { product { id } } }"
    )
    assert mutation_errors(create) == []
    assert mutation_errors(create, allowed=["productSet"]) != []
    assert mutation_errors(create, allowed=["productCreate"]) == []
    assert mutation_errors("{ products { nodes { id } } }") != []
    assert mutation_errors("mutation { a: productCreate { x } b: productCreate { x } }") != []
    assert mutation_errors("mutation {") != []
