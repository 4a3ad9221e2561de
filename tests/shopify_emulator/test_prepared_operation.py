"""Aliased mutations run through the prepared path answer exactly what graphql-core answers."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from graphql import OperationDefinitionNode, parse

from shopify_emulator.config import EmulatorConfig, Plan
from shopify_emulator.executor import GraphQLExecutor
from shopify_emulator.gid import IdSequence
from shopify_emulator.graphql_schema import build_executable_schema
from shopify_emulator.prepared_operation import PreparedOperation
from shopify_emulator.state import EmulatorState
from shopify_emulator.store import Store

pytestmark = pytest.mark.integration

SET_FIELDS = (
    "product { id handle variants(first: $v%d) { nodes { id sku selectedOptions { name value } } }"
    " } userErrors { field message code }"
)


def batch(kinds: str) -> str:
    """The dashboard's batch shape: `s` = productSet, `d` = productDelete, aliased p0, p1, …"""
    declarations, fields = [], []
    for n, kind in enumerate(kinds):
        if kind == "s":
            declarations.append(
                f"$i{n}: ProductSetInput!, $k{n}: ProductSetIdentifiers, $v{n}: Int!"
            )
            fields.append(
                f"p{n}: productSet(input: $i{n}, identifier: $k{n}, synchronous: true) "
                "{ " + SET_FIELDS % n + " }"
            )
        else:
            declarations.append(f"$i{n}: ProductDeleteInput!")
            fields.append(
                f"p{n}: productDelete(input: $i{n}) {{ deletedProductId userErrors {{ message }} }}"
            )
    return f"mutation Batch({', '.join(declarations)}) {{ {' '.join(fields)} }}"


def product(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "title": f"Batched {i}",
        "handle": f"batched-{i}",
        "tags": ["b", "a"],
        "productOptions": [{"name": "Size", "values": [{"name": "S"}, {"name": "M"}]}],
        "variants": [
            {"optionValues": [{"optionName": "Size", "name": s}], "price": "9.50", "sku": s}
            for s in ("S", "M")
        ],
        **extra,
    }


def sets(*entries: tuple[dict[str, Any], dict[str, Any] | None]) -> dict[str, Any]:
    variables: dict[str, Any] = {}
    for n, (product_input, identifier) in enumerate(entries):
        variables[f"i{n}"] = product_input
        variables[f"k{n}"] = identifier
        variables[f"v{n}"] = 10
    return variables


# (document, variables) in order, each run on both executors.
REQUESTS: list[tuple[str, dict[str, Any]]] = [
    # Creates, one by handle, and a duplicate handle (user error) in one request.
    (
        batch("sss"),
        sets(
            (product(1), None),
            (product(2), {"handle": "batched-2"}),
            (product(3, handle="batched-1"), None),
        ),
    ),
    # The same again by handle: updates that change nothing; an option value that is missing.
    (
        batch("ss"),
        sets(
            (product(1), {"handle": "batched-1"}),
            (
                product(
                    4,
                    variants=[
                        {"optionValues": [{"optionName": "Size", "name": "XL"}], "price": "1"}
                    ],
                ),
                None,
            ),
        ),
    ),
    # A resolver raising in the middle (tags over 250): graphql-core completes the request.
    (
        batch("sss"),
        sets(
            (product(5), None),
            (product(6, tags=[f"t{i}" for i in range(251)]), None),
            (product(7), None),
        ),
    ),
    # Invalid variables (unknown field): nothing runs, graphql-core reports them.
    (batch("ss"), sets((product(8), None), ({"title": "x", "bogus": 1}, None))),
    # A delete between two sets, one of a product that does not exist.
    (
        batch("sds"),
        {
            **sets((product(9), None)),
            "i1": {"id": "gid://shopify/Product/1"},
            "i2": product(10),
            "k2": None,
            "v2": 1,
        },
    ),
    # Scalars coerced like graphql-core: a single value for a list.
    (batch("s"), sets((product(11, tags="solo"), None))),
]
# `variants` without first/last is a field error inside the payload: replayed by graphql-core.
FIELD_ERROR = (
    "mutation($a: ProductSetInput!, $b: ProductSetInput!) { "
    "x: productSet(input: $a) { product { id variants { nodes { id } } } userErrors { message } } "
    "y: productSet(input: $b) { product { id } userErrors { message } } }"
)

_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def fresh_executor(fast: bool) -> GraphQLExecutor:
    state = EmulatorState(EmulatorConfig(plan=Plan.UNLIMITED), Store(IdSequence(seed=11)))
    executor = GraphQLExecutor(state, build_executable_schema())
    executor.fast_paths = fast
    return executor


def comparable(body: dict[str, Any]) -> str:
    """The body with timestamps masked and only the cost figures kept of the extensions."""
    cost = body.get("extensions", {}).get("cost", {})
    kept = {k: v for k, v in body.items() if k != "extensions"}
    kept["cost"] = [cost.get("requestedQueryCost"), cost.get("actualQueryCost")]
    return _TIMESTAMP.sub("<time>", json.dumps(kept, sort_keys=True))


async def test_batches_answer_as_graphql_core_does() -> None:
    fast, reference = fresh_executor(True), fresh_executor(False)
    requests = [*REQUESTS, (FIELD_ERROR, {"a": product(12), "b": product(13)})]
    for document, variables in requests:
        got = (await fast.run(document, variables, None)).body
        expected = (await reference.run(document, variables, None)).body
        assert comparable(got) == comparable(expected), variables
    assert sorted(p.handle for p in fast.state.store.products.values()) == sorted(
        p.handle for p in reference.state.store.products.values()
    )
    assert fast.state.stats.as_dict() == reference.state.stats.as_dict()
    assert fast.state.stats.graphql_errors > 0


async def test_only_mutations_of_nullable_fields_without_directives_are_prepared() -> None:
    schema = build_executable_schema()

    def prepared(text: str) -> PreparedOperation | None:
        document = parse(text)
        operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        return PreparedOperation.prepare(schema, document, operation)

    assert prepared(batch("sds")) is not None
    assert prepared("query { shop { name } }") is None
    assert (
        prepared(
            "mutation($i: ProductSetInput!, $f: Boolean!) "
            "{ productSet(input: $i) { product { id @include(if: $f) } } }"
        )
        is None
    )
    assert prepared("mutation { __typename }") is None
