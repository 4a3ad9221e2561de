"""Our SDL subset must agree with Shopify's 2026-10 schema on everything it declares."""

from __future__ import annotations

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    is_required_argument,
    is_required_input_field,
)

from shopify_emulator.graphql_schema import schema_sdl

pytestmark = pytest.mark.quick


@pytest.fixture(scope="module")
def ours() -> GraphQLSchema:
    return build_schema(schema_sdl())


def _own_types(schema: GraphQLSchema) -> list[str]:
    return sorted(n for n in schema.type_map if not n.startswith("__"))


def test_root_types_are_named_like_shopify(
    ours: GraphQLSchema, shopify_schema: GraphQLSchema
) -> None:
    assert ours.query_type is not None and shopify_schema.query_type is not None
    assert ours.query_type.name == shopify_schema.query_type.name
    assert ours.mutation_type is not None and shopify_schema.mutation_type is not None
    assert ours.mutation_type.name == shopify_schema.mutation_type.name


def test_every_type_exists_with_the_same_kind(
    ours: GraphQLSchema, shopify_schema: GraphQLSchema
) -> None:
    problems = []
    for name in _own_types(ours):
        theirs = shopify_schema.get_type(name)
        if theirs is None:
            problems.append(f"{name}: not in Shopify's schema")
        elif type(theirs) is not type(ours.type_map[name]):
            problems.append(
                f"{name}: {type(ours.type_map[name]).__name__} vs {type(theirs).__name__}"
            )
    assert problems == []


def test_fields_and_arguments_match(ours: GraphQLSchema, shopify_schema: GraphQLSchema) -> None:
    problems = []
    for name in _own_types(ours):
        mine = ours.type_map[name]
        theirs = shopify_schema.get_type(name)
        if not isinstance(mine, GraphQLObjectType | GraphQLInterfaceType):
            continue
        assert isinstance(theirs, GraphQLObjectType | GraphQLInterfaceType)
        for interface in mine.interfaces:
            if interface.name not in {i.name for i in theirs.interfaces}:
                problems.append(f"{name} implements {interface.name}: Shopify's does not")
        for field_name, field in mine.fields.items():
            other = theirs.fields.get(field_name)
            if other is None:
                problems.append(f"{name}.{field_name}: missing")
                continue
            if str(field.type) != str(other.type):
                problems.append(f"{name}.{field_name}: {field.type} vs {other.type}")
            for arg_name, arg in field.args.items():
                other_arg = other.args.get(arg_name)
                if other_arg is None:
                    problems.append(f"{name}.{field_name}({arg_name}): missing")
                elif str(arg.type) != str(other_arg.type):
                    problems.append(
                        f"{name}.{field_name}({arg_name}): {arg.type} vs {other_arg.type}"
                    )
            for arg_name, other_arg in other.args.items():
                if is_required_argument(other_arg) and arg_name not in field.args:
                    problems.append(f"{name}.{field_name}({arg_name}): required by Shopify, absent")
    assert problems == []


def test_input_fields_match(ours: GraphQLSchema, shopify_schema: GraphQLSchema) -> None:
    problems = []
    for name in _own_types(ours):
        mine = ours.type_map[name]
        if not isinstance(mine, GraphQLInputObjectType):
            continue
        theirs = shopify_schema.get_type(name)
        assert isinstance(theirs, GraphQLInputObjectType)
        for field_name, field in mine.fields.items():
            other = theirs.fields.get(field_name)
            if other is None:
                problems.append(f"{name}.{field_name}: missing")
            elif str(field.type) != str(other.type):
                problems.append(f"{name}.{field_name}: {field.type} vs {other.type}")
        for field_name, other in theirs.fields.items():
            if is_required_input_field(other) and field_name not in mine.fields:
                problems.append(f"{name}.{field_name}: required by Shopify, absent")
    assert problems == []


def test_enum_values_and_union_members_exist(
    ours: GraphQLSchema, shopify_schema: GraphQLSchema
) -> None:
    problems = []
    for name in _own_types(ours):
        mine = ours.type_map[name]
        theirs = shopify_schema.get_type(name)
        if isinstance(mine, GraphQLEnumType):
            assert isinstance(theirs, GraphQLEnumType)
            problems += [f"{name}.{v}" for v in mine.values if v not in theirs.values]
        elif isinstance(mine, GraphQLUnionType):
            assert isinstance(theirs, GraphQLUnionType)
            members = {t.name for t in theirs.types}
            problems += [f"{name} | {t.name}" for t in mine.types if t.name not in members]
    assert problems == []


def test_schema_covers_what_a_dashboard_reads_and_writes(ours: GraphQLSchema) -> None:
    product = ours.type_map["Product"]
    assert isinstance(product, GraphQLObjectType)
    for field in (
        "id",
        "title",
        "handle",
        "descriptionHtml",
        "vendor",
        "productType",
        "status",
        "tags",
        "createdAt",
        "updatedAt",
        "variants",
        "variantsCount",
        "totalInventory",
        "category",
        "collections",
        "featuredImage",
        "media",
        "seo",
        "legacyResourceId",
    ):
        assert field in product.fields
    set_input = ours.type_map["ProductSetInput"]
    assert isinstance(set_input, GraphQLInputObjectType)
    assert {"variants", "productOptions", "metafields", "collections"} <= set(set_input.fields)
    assert isinstance(ours.type_map["Money"], GraphQLScalarType)
