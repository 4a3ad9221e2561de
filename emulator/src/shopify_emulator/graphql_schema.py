"""Build the executable schema: our SDL subset, Shopify's scalars, and the resolvers."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from functools import cache
from importlib.resources import files
from typing import Any

from graphql import (
    FloatValueNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    IntValueNode,
    StringValueNode,
    ValueNode,
    build_ast_schema,
    parse,
)
from graphql.language import DocumentNode
from graphql.validation.validate import assert_valid_sdl

from shopify_emulator.clock import format_datetime, parse_datetime
from shopify_emulator.gid import is_numeric_id
from shopify_emulator.money import MoneyError, format_decimal, format_money, parse_money
from shopify_emulator.resolvers import (
    collection_sources,
    definitions,
    inventory_mutations,
    mutations,
    objects,
    publications,
    queries,
)

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def schema_sdl() -> str:
    return files("shopify_emulator").joinpath("schema.graphql").read_text(encoding="utf-8")


@cache
def _schema_document() -> DocumentNode:
    """The SDL parsed and checked once per process. Schemas built from it share only its
    read-only syntax tree: types, fields and resolvers are each schema's own."""
    document = parse(schema_sdl())
    assert_valid_sdl(document)
    return document


@cache
def _snake(name: str) -> str:
    return _CAMEL.sub("_", name).lower()


def default_resolver(source: Any, info: GraphQLResolveInfo, **_args: Any) -> Any:
    """Dict keys as-is; objects by snake_case attribute; `id` from `.gid`."""
    return field_of(source, info.field_name)


def field_of(source: Any, name: str) -> Any:
    """What `default_resolver` returns for field `name` of `source`."""
    if isinstance(source, dict):
        return source.get(name)
    if name == "id":
        return getattr(source, "gid", None)
    if name == "legacyResourceId":
        return getattr(source, "id", None)
    return getattr(source, _snake(name), None)


# --- scalars -------------------------------------------------------------------------------
def _literal_text(node: ValueNode, _variables: Any = None) -> str:
    if isinstance(node, StringValueNode | IntValueNode | FloatValueNode):
        return node.value
    raise ValueError("Expected a string or number")


def _serialize_money(value: Any) -> str:
    return format_money(value if isinstance(value, Decimal) else parse_money(value))


def _parse_money(value: Any) -> Decimal:
    try:
        return parse_money(value)
    except MoneyError as exc:
        raise ValueError(str(exc)) from exc


def _serialize_datetime(value: Any) -> str:
    return format_datetime(value) if isinstance(value, datetime) else str(value)


def _parse_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("Expected an ISO 8601 string")
    return parse_datetime(value)


def _parse_uint64(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not is_numeric_id(str(value)):
        raise ValueError("Expected an unsigned 64-bit integer")
    return int(value)


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("Expected a string")
    return value


_SCALARS: dict[str, dict[str, Any]] = {
    "Money": {
        "coerce_output_value": _serialize_money,
        "coerce_input_value": _parse_money,
        "coerce_input_literal": lambda node: _parse_money(_literal_text(node)),
    },
    "Decimal": {
        "coerce_output_value": lambda v: format_decimal(
            v if isinstance(v, Decimal) else parse_money(v)
        ),
        "coerce_input_value": _parse_money,
        "coerce_input_literal": lambda node: _parse_money(_literal_text(node)),
    },
    "DateTime": {
        "coerce_output_value": _serialize_datetime,
        "coerce_input_value": _parse_datetime,
        "coerce_input_literal": lambda node: _parse_datetime(_literal_text(node)),
    },
    "UnsignedInt64": {
        "coerce_output_value": str,
        "coerce_input_value": _parse_uint64,
        "coerce_input_literal": lambda node: _parse_uint64(_literal_text(node)),
    },
    "URL": {
        "coerce_output_value": str,
        "coerce_input_value": _string,
        "coerce_input_literal": lambda node: _string(_literal_text(node)),
    },
    "HTML": {
        "coerce_output_value": str,
        "coerce_input_value": _string,
        "coerce_input_literal": lambda node: _string(_literal_text(node)),
    },
}

_TYPE_RESOLVERS: dict[str, dict[str, Any]] = {
    "QueryRoot": {**queries.QUERY, **definitions.QUERY, **publications.QUERY},
    "Mutation": {
        **mutations.MUTATION,
        **inventory_mutations.MUTATION,
        **definitions.MUTATION,
        **publications.MUTATION,
    },
    "InventoryAdjustmentGroup": inventory_mutations.INVENTORY_ADJUSTMENT_GROUP,
    "InventoryChange": inventory_mutations.INVENTORY_CHANGE,
    "Product": objects.PRODUCT | publications.PRODUCT,
    "MetafieldDefinition": definitions.METAFIELD_DEFINITION,
    "ProductVariant": objects.VARIANT,
    "ProductOption": objects.OPTION,
    "InventoryItem": objects.INVENTORY_ITEM,
    "InventoryItemMeasurement": objects.MEASUREMENT,
    "MediaImage": objects.MEDIA_IMAGE,
    "Image": objects.IMAGE,
    "TaxonomyCategory": objects.TAXONOMY,
    "Collection": objects.COLLECTION | {"sources": collection_sources.collection_sources},
    "CollectionConditionsSource": collection_sources.CONDITIONS_SOURCE,
    "CollectionSourceInclusion": collection_sources.SOURCE_INCLUSION,
}


def _resolve_abstract(value: Any, info: GraphQLResolveInfo, abstract: Any) -> str | None:
    if isinstance(value, dict):
        typename = value.get("__typename")
        return typename if isinstance(typename, str) else None
    return getattr(value, "graphql_type", None)


def extend_resolvers(schema: GraphQLSchema, type_name: str, resolvers: dict[str, Any]) -> None:
    """Attach resolvers to the fields of one object type (`wiring` adds the subsystems')."""
    graphql_type = schema.type_map[type_name]
    assert isinstance(graphql_type, GraphQLObjectType)
    for field_name, resolver in resolvers.items():
        graphql_type.fields[field_name].resolve = resolver


def build_executable_schema() -> GraphQLSchema:
    """A fresh executable schema (each emulator instance gets its own)."""
    # Parsing the SDL was ~2/3 of building an emulator (tests build one per harness).
    schema = build_ast_schema(_schema_document(), assume_valid_sdl=True)
    for name, hooks in _SCALARS.items():
        scalar = schema.type_map[name]
        assert isinstance(scalar, GraphQLScalarType)
        for attribute, function in hooks.items():
            setattr(scalar, attribute, function)
    for type_name, resolvers in _TYPE_RESOLVERS.items():
        extend_resolvers(schema, type_name, resolvers)
    for graphql_type in schema.type_map.values():
        if isinstance(graphql_type, GraphQLInterfaceType):
            graphql_type.resolve_type = _resolve_abstract
    union = schema.type_map.get("WebhookSubscriptionEndpoint")
    if union is not None:
        union.resolve_type = lambda value, info, abstract: "WebhookHttpEndpoint"  # type: ignore[attr-defined]
    return schema
