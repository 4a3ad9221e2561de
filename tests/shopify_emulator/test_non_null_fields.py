"""Every field our schema declares non-null comes back non-null on seeded and minimal records.

The queries are generated from the emulator's own schema: every field without required arguments
of Shop, Location, Product, ProductVariant and Collection, following object fields and
connections (first: 3) a few levels down, with inline fragments for interfaces and unions.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    GraphQLField,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    is_required_argument,
)

from shopify_emulator.graphql_schema import build_executable_schema
from tests.shopify_emulator.conftest import Emulator

pytestmark = pytest.mark.integration

MAX_DEPTH = 4
NON_NULL_ERROR = "Cannot return null for non-nullable field"


def _is_connection(named: GraphQLNamedType) -> bool:
    return isinstance(named, GraphQLObjectType) and "pageInfo" in named.fields


def _arguments(field: GraphQLField, named: GraphQLNamedType) -> str | None:
    """Argument text for the field, or None when it needs arguments we cannot invent."""
    if any(is_required_argument(arg) for arg in field.args.values()):
        return None
    if _is_connection(named) and "first" in field.args:
        return "(first: 3)"
    return ""


def selection(
    schema: GraphQLSchema, named: GraphQLNamedType, depth: int, seen: frozenset[str] = frozenset()
) -> str:
    """Every field of `named` (recursively), as a selection set body.

    A connection to a type already selected further up (an inventory level's item, say) is
    not followed again: its fields are checked there, and the query stays within Shopify's
    1,000-point cost limit.
    """
    if is_abstract_type(named):
        fragments = [
            f"... on {t.name} {{ {selection(schema, t, depth, seen)} }}"
            for t in schema.get_possible_types(named)
        ]
        return "__typename " + " ".join(fragments)
    assert isinstance(named, GraphQLObjectType)
    seen = seen | {named.name}
    parts = ["__typename"]
    for name, field in named.fields.items():
        if field.deprecation_reason and name not in ("isPrimary",):
            continue
        inner = get_named_type(field.type)
        args = _arguments(field, inner)
        if args is None:
            continue
        if is_leaf_type(inner):
            parts.append(name + args)
        elif _is_connection(inner) and _node_type(inner) in seen:
            continue
        elif depth < MAX_DEPTH:
            parts.append(f"{name}{args} {{ {selection(schema, inner, depth + 1, seen)} }}")
    return " ".join(parts)


def _node_type(connection: GraphQLNamedType) -> str:
    assert isinstance(connection, GraphQLObjectType)
    return get_named_type(connection.fields["nodes"].type).name


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_executable_schema()


def _null_errors(body: dict[str, Any]) -> list[str]:
    return [
        f"{e['message']} at {e.get('path')}"
        for e in body.get("errors", [])
        if NON_NULL_ERROR in e["message"]
    ]


def _query(schema: GraphQLSchema, root_field: str, type_name: str) -> str:
    return f"{{ {root_field} {{ {selection(schema, schema.type_map[type_name], 1)} }} }}"


def _all_errors(body: dict[str, Any]) -> list[Any]:
    return list(body.get("errors", []))


@pytest.mark.parametrize(
    ("root_field", "type_name"),
    [
        ("shop", "Shop"),
        ("locations(first: 5)", "LocationConnection"),
        # In halves from both ends, within the 1,000-point cost limit; the minimal records
        # created last are among the last.
        ("products(first: 15)", "ProductConnection"),
        ("products(last: 15)", "ProductConnection"),
        ("productVariants(first: 15)", "ProductVariantConnection"),
        ("productVariants(last: 15)", "ProductVariantConnection"),
        ("collections(first: 10)", "CollectionConnection"),
    ],
)
def test_every_non_null_field_is_filled(
    emulator: Emulator, schema: GraphQLSchema, root_field: str, type_name: str
) -> None:
    emulator.knob("seed", {"products": 25, "seed": 3})
    # Minimal records too: a product with only a title, and one with a bare variant.
    emulator.data('mutation { productCreate(product: {title: "Bare"}) { userErrors { message } } }')
    emulator.data(
        'mutation { productSet(input: {title: "Bare variant", productOptions: [{name: "Size", '
        'values: [{name: "One"}]}], variants: [{optionValues: [{optionName: "Size", '
        'name: "One"}]}]}) { userErrors { message } } }'
    )
    emulator.data(
        'mutation { collectionCreate(input: {title: "Empty manual"}) { userErrors { message } } }'
    )
    query = _query(schema, root_field, type_name)
    body = emulator.gql(query)
    assert _null_errors(body) == []
    assert _all_errors(body) == [], body.get("errors")
    assert body["data"] is not None


def test_location_by_id_and_shop_values(emulator: Emulator) -> None:
    data = emulator.data(
        "{ shop { currencyCode weightUnit ianaTimezone contactEmail email url myshopifyDomain } "
        "locations(first: 1) { nodes { id isActive isPrimary updatedAt createdAt } } }"
    )
    shop = data["shop"]
    assert shop["url"] == f"https://{shop['myshopifyDomain']}"
    assert shop["contactEmail"] == shop["email"]
    assert shop["currencyCode"] == "USD" and shop["weightUnit"] == "KILOGRAMS"
    assert shop["ianaTimezone"]
    [location] = data["locations"]["nodes"]
    assert location["isActive"] is True and location["isPrimary"] is True
    assert location["updatedAt"] >= location["createdAt"]
    again = emulator.data(
        "query($id: ID!) { location(id: $id) { id isActive updatedAt } }", {"id": location["id"]}
    )
    assert again["location"]["isActive"] is True
