"""Compiled input coercers give exactly graphql-core's `coerce_input_value` results."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    Undefined,
    build_schema,
    is_input_type,
)
from graphql.utilities import coerce_input_value
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopify_emulator.graphql_schema import build_executable_schema
from shopify_emulator.input_coercion import compile_coercer, compile_coercers, schema_coercers
from tests.shopify_emulator.strict_equality import same

pytestmark = pytest.mark.quick

SDL = """
enum Color { RED GREEN BLUE }
scalar Loose
input Leaves {
  s: String
  i: Int
  f: Float
  b: Boolean
  id: ID
  color: Color
  loose: Loose
  strict: String!
}
input Defaults {
  n: Int = 3
  c: Color = GREEN
  needed: Int! = 7
  items: [Int!] = [1, 2]
  nested: Leaves = {strict: "x"}
  plain: String
}
input Tree {
  label: String!
  children: [Tree!]
  grid: [[Int]]
}
input Choice @oneOf {
  a: String
  b: Int
  tree: Tree
}
type Query {
  leaves(x: Leaves): Int
  defaults(x: Defaults): Int
  tree(x: Tree): Int
  choice(x: Choice): Int
}
"""
FIELD_NAMES = [
    "s", "i", "f", "b", "id", "color", "loose", "strict", "n", "c", "needed", "items",
    "nested", "plain", "label", "children", "grid", "a", "tree", "title", "handle", "variants",
    "optionValues", "optionName", "name", "price", "position", "tags", "status", "productOptions",
    "values", "files", "originalSource", "contentType", "sku", "compareAtPrice", "unknown",
]  # fmt: skip
TEXT = st.sampled_from(
    ["", "x", "RED", "GREEN", "purple", "ACTIVE", "DRAFT", "IMAGE", "12.99", "-1", " 3 ", "abc"]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
    st.text(max_size=4),
    st.just(Undefined),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(st.sampled_from(FIELD_NAMES), inner, max_size=6),
    ),
    max_leaves=25,
)


def wrappers(named: Any) -> list[Any]:
    return [
        named,
        GraphQLNonNull(named),
        GraphQLList(named),
        GraphQLNonNull(GraphQLList(GraphQLNonNull(named))),
        GraphQLList(GraphQLList(named)),
    ]


SYNTHETIC = build_schema(SDL)
SYNTHETIC_TYPES = [
    t
    for name in ("Leaves", "Defaults", "Tree", "Choice", "Color", "Int", "String", "ID", "Loose")
    for t in wrappers(SYNTHETIC.type_map[name])
]
COMPILED = list(zip(SYNTHETIC_TYPES, compile_coercers(SYNTHETIC_TYPES), strict=True))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=VALUES)
def test_synthetic_types_agree_with_graphql_core(value: Any) -> None:
    for type_, coerce in COMPILED:
        expected = coerce_input_value(value, type_)
        assert same(coerce(value), expected), (str(type_), value, expected)


def test_defaults_one_of_and_recursion_cases() -> None:
    cases: list[tuple[str, Any]] = [
        ("Defaults", {}),
        ("Defaults", {"n": None, "c": "RED", "needed": None}),
        ("Defaults", {"items": 5, "nested": {"strict": "y", "color": "BLUE"}}),
        ("Defaults", {"plain": Undefined, "bogus": Undefined}),
        ("Defaults", {"bogus": 1}),
        ("Choice", {"a": "x"}),
        ("Choice", {"a": "x", "b": 1}),
        ("Choice", {"a": None}),
        ("Choice", {"a": Undefined, "b": 2}),
        ("Choice", {}),
        ("Tree", {"label": "r", "children": [{"label": "c", "children": {"label": "g"}}]}),
        ("Tree", {"label": "r", "children": [{"label": None}]}),
        ("Tree", {"label": "r", "grid": [[1, None], 2, None]}),
        ("Tree", {"label": "r", "grid": [[1.0, 2.5]]}),
        ("Leaves", {"strict": "x", "i": 2**31, "f": 3, "id": 12, "b": 0}),
        ("Leaves", {"strict": "x", "i": True}),
        ("Leaves", {"strict": "x", "i": 4.0, "id": 4.0, "loose": {"any": [1]}}),
    ]
    for name, value in cases:
        type_ = SYNTHETIC.type_map[name]
        assert isinstance(type_, GraphQLInputObjectType)
        expected = coerce_input_value(value, type_)
        assert same(compile_coercer(type_)(value), expected), (name, value, expected)
    assert compile_coercer(SYNTHETIC.type_map["Defaults"])({}) == {  # type: ignore[arg-type]
        "n": 3,
        "c": "GREEN",
        "needed": 7,
        "items": [1, 2],
        "nested": {"strict": "x"},
    }


def test_custom_out_type_and_out_names_are_used() -> None:
    schema = build_schema(SDL)
    leaves = schema.type_map["Leaves"]
    assert isinstance(leaves, GraphQLInputObjectType)
    leaves.fields["s"].out_name = "text"
    leaves.out_type = lambda value: ("wrapped", value)  # type: ignore[method-assign]
    value = {"strict": "x", "s": "y"}
    expected = coerce_input_value(value, leaves)
    assert expected == ("wrapped", {"text": "y", "strict": "x"})
    assert compile_coercer(leaves)(value) == expected


def product_line(index: int) -> dict[str, Any]:
    return {
        "handle": f"p-{index}",
        "title": f"Product {index}",
        "status": "ACTIVE",
        "tags": ["a", "b"],
        "files": [{"originalSource": "https://x/y.jpg", "alt": None, "contentType": "IMAGE"}],
        "productOptions": [{"name": "Size", "values": [{"name": "S"}, {"name": "M"}]}],
        "variants": [
            {
                "optionValues": [{"optionName": "Size", "name": size}],
                "price": "12.99",
                "compareAtPrice": None,
                "sku": f"SKU-{size}",
                "position": position,
            }
            for position, size in enumerate(("S", "M"), start=1)
        ],
    }


@st.composite
def mutated_product_input(draw: st.DrawFn) -> Any:
    """A valid ProductSetInput with a few of its entries replaced by arbitrary values."""
    value: Any = product_line(draw(st.integers(0, 9)))
    for _ in range(draw(st.integers(0, 3))):
        holder, key = _pick_slot(draw, value)
        if holder is None:
            value = draw(VALUES)
            continue
        holder[key] = draw(VALUES)
    return value


def _pick_slot(draw: st.DrawFn, value: Any) -> tuple[Any, Any]:
    """A (container, key) inside `value`, or (None, None) for the value itself."""
    holder, key = None, None
    current = value
    while isinstance(current, dict | list) and current and draw(st.booleans()):
        keys = list(current) if isinstance(current, dict) else list(range(len(current)))
        key = draw(st.sampled_from(keys))
        holder, current = current, current[key]
    return holder, key


EMULATOR_SCHEMA = build_executable_schema()
_PRODUCT_SET_TYPE = EMULATOR_SCHEMA.type_map["ProductSetInput"]
assert isinstance(_PRODUCT_SET_TYPE, GraphQLInputObjectType)
PRODUCT_SET_INPUT = GraphQLNonNull(_PRODUCT_SET_TYPE)
PRODUCT_SET_COERCER = compile_coercer(PRODUCT_SET_INPUT)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=mutated_product_input())
def test_product_set_input_agrees_with_graphql_core(value: Any) -> None:
    expected = coerce_input_value(value, PRODUCT_SET_INPUT)
    assert same(PRODUCT_SET_COERCER(value), expected), (value, expected)


def test_valid_product_line_is_coerced_in_the_types_field_order() -> None:
    value = product_line(1)
    value["variants"][0]["price"] = 12  # Money accepts numbers
    coerced = PRODUCT_SET_COERCER(value)
    assert coerced is not Undefined
    assert same(coerced, coerce_input_value(value, PRODUCT_SET_INPUT))
    assert list(coerced) == [n for n in PRODUCT_SET_INPUT.of_type.fields if n in value]


def every_input_type(schema: GraphQLSchema) -> list[GraphQLInputType]:
    return [
        t for name, t in schema.type_map.items() if not name.startswith("__") and is_input_type(t)
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=VALUES)
def test_every_emulator_input_type_agrees_with_graphql_core(value: Any) -> None:
    for type_, coerce in EMULATOR_COERCERS:
        assert same(coerce(value), coerce_input_value(value, type_)), (str(type_), value)


EMULATOR_TYPES = every_input_type(EMULATOR_SCHEMA)
EMULATOR_COERCERS = list(zip(EMULATOR_TYPES, compile_coercers(EMULATOR_TYPES), strict=True))


def test_every_input_type_of_shopifys_schema_compiles_and_agrees(
    shopify_schema: GraphQLSchema,
) -> None:
    types = every_input_type(shopify_schema)
    coercers = compile_coercers(types)
    samples: list[Any] = [None, Undefined, "RED", 1, 2.5, True, [], {}, [{}], {"id": "x"}]
    samples += [{"name": "n", "value": "v"}, product_line(2), {"unknown": 1}]
    for type_, coerce in zip(types, coercers, strict=True):
        for value in samples:  # each type against values of many shapes
            assert same(coerce(value), coerce_input_value(value, type_)), (str(type_), value)


def test_schema_coercers_are_compiled_once_per_schema_and_type() -> None:
    schema = build_schema(SDL)
    leaves = schema.type_map["Leaves"]
    assert isinstance(leaves, GraphQLInputObjectType)
    first = schema_coercers(schema, [GraphQLNonNull(leaves), leaves, GraphQLNonNull(leaves)])
    assert first[0] is first[2] is not first[1]
    again = schema_coercers(schema, [GraphQLNonNull(leaves)])
    assert again[0] is first[0]
    other = build_schema(SDL)
    assert schema_coercers(other, [other.type_map["Leaves"]])[0] is not first[1]  # type: ignore[list-item]
    value = {"strict": "x", "i": 3}
    assert same(first[0](value), coerce_input_value(value, GraphQLNonNull(leaves)))
    assert first[0](None) is Undefined and first[1](None) is None
