"""A bulk line run through PreparedMutation answers exactly what the synchronous call answers."""

from __future__ import annotations

import gc
import json
import re
from pathlib import Path
from typing import Any

import pytest

from shopify_emulator.bulk import BulkOperationManager
from shopify_emulator.config import EmulatorConfig, Plan
from shopify_emulator.executor import GraphQLExecutor
from shopify_emulator.gid import IdSequence
from shopify_emulator.graphql_schema import build_executable_schema
from shopify_emulator.prepared_mutation import PreparedMutation
from shopify_emulator.state import EmulatorState
from shopify_emulator.store import Store

pytestmark = pytest.mark.integration

PRODUCT_SET = (
    "mutation Set($input: ProductSetInput!, $identifier: ProductSetIdentifiers) "
    "{ productSet(input: $input, identifier: $identifier) "
    "{ product { id handle title updatedAt status tags "
    "options { name optionValues { name } } "
    "variants(first: 10) { nodes { id sku price title selectedOptions { name value } } } } "
    "userErrors { field message code } } }"
)
WITH_FRAGMENTS = (
    "mutation Set($input: ProductSetInput!, $n: Int = 5) { result: productSet(input: $input) "
    "{ __typename ...Payload } } "
    "fragment Payload on ProductSetPayload { product { ...P variants(first: $n) "
    "{ edges { node { id sku } } pageInfo { hasNextPage } } } userErrors { field code } } "
    "fragment P on Product { id handle ... on Node { id } __typename }"
)
WITH_DIRECTIVE = (
    "mutation($input: ProductSetInput!, $full: Boolean = false) { productSet(input: $input) "
    "{ product { id title @include(if: $full) } userErrors { message } } }"
)
# Aliases, legacy ids, an interface (Media) with inline fragments, resolvers below lists,
# nested objects and enums: the compiled completers' regular cases.
WIDE = (
    "mutation Set($input: ProductSetInput!, $identifier: ProductSetIdentifiers, $n: Int = 3) "
    "{ set: productSet(input: $input, identifier: $identifier) { __typename product { "
    "legacyResourceId name: title handle status hasOnlyDefaultVariant tags "
    "featuredMedia { __typename alt ... on MediaImage { id mimeType image { url } } } "
    "media(first: 5) { nodes { __typename alt mediaContentType ... on Node { id } } } "
    "variants(first: $n) { edges { cursor node { legacyResourceId price compareAtPrice "
    "inventoryPolicy inventoryItem { id tracked } product { id handle } "
    "selectedOptions { name value } } } pageInfo { hasNextPage endCursor } } } "
    "userErrors { __typename field message code } } }"
)
# `variants` without first/last is a field error: graphql-core completes such payloads.
FIELD_ERROR = (
    "mutation($input: ProductSetInput!) { productSet(input: $input) "
    "{ product { id variants { nodes { id } } } userErrors { message } } }"
)


def product(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "title": f"Prepared {i}",
        "handle": f"prepared-{i}",
        "tags": ["b", "a"],
        "files": [{"originalSource": f"https://cdn.example.com/{i}.png", "alt": f"Image {i}"}],
        "productOptions": [{"name": "Size", "values": [{"name": "S"}, {"name": "M"}]}],
        "variants": [
            {"optionValues": [{"optionName": "Size", "name": s}], "price": "9.50", "sku": s}
            for s in ("S", "M")
        ],
        **extra,
    }


LINES: list[dict[str, Any]] = [
    {"input": product(1)},
    {"input": product(2), "identifier": {"handle": "prepared-2"}},
    # Same handle again, by handle: an update that changes nothing.
    {"input": product(2), "identifier": {"handle": "prepared-2"}},
    # A user error (duplicate handle on create).
    {"input": product(3, handle="prepared-1")},
    # Option value that does not exist: user errors with codes.
    {
        "input": product(
            4, variants=[{"optionValues": [{"optionName": "Size", "name": "XL"}], "price": "1"}]
        )
    },
    # Invalid variables: unknown field, wrong scalar, missing required variable, bad money.
    {"input": {"title": "x", "bogus": 1}},
    {"input": {"title": 5}},
    {},
    {"input": product(5, variants=[{"optionValues": [], "price": "abc"}])},
    # Top-level error raised by the resolver (input array over 250 items).
    {"input": product(6, tags=[f"t{i}" for i in range(251)])},
    # Scalars coerced like graphql-core: a single value for a list, an int for an ID.
    {"input": product(7, tags="solo"), "identifier": {"id": 12}},
]

_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def fresh_executor() -> GraphQLExecutor:
    state = EmulatorState(EmulatorConfig(plan=Plan.UNLIMITED), Store(IdSequence(seed=7)))
    return GraphQLExecutor(state, build_executable_schema())


def normalised(body: dict[str, Any]) -> str:
    """JSON of a body without extensions, with timestamps masked (two runs, two clocks)."""
    body = {k: v for k, v in body.items() if k != "extensions"}
    return _TIMESTAMP.sub("<time>", json.dumps(body, sort_keys=True))


@pytest.mark.parametrize(
    "document", [PRODUCT_SET, WITH_FRAGMENTS, WITH_DIRECTIVE, FIELD_ERROR, WIDE]
)
async def test_prepared_lines_equal_synchronous_responses(document: str) -> None:
    sync, bulk = fresh_executor(), fresh_executor()
    prepared = PreparedMutation(bulk, document)
    for variables in LINES:
        expected = (await sync.run(document, variables, None, charge=False)).body
        got = await prepared.run(variables)
        assert "extensions" not in got
        assert normalised(got) == normalised(expected), variables
    assert len(bulk.state.store.products) == len(sync.state.store.products) > 0
    assert bulk.state.stats.mutations == sync.state.stats.mutations == len(LINES)
    assert bulk.state.stats.graphql_errors == sync.state.stats.graphql_errors > 0


async def test_sync_product_set_and_bulk_line_agree_on_user_errors() -> None:
    sync, bulk = fresh_executor(), fresh_executor()
    prepared = PreparedMutation(bulk, PRODUCT_SET)
    bad = {"input": product(9, productOptions=[{"name": "Size", "values": [{"name": "S"}]}])}
    for variables in ({"input": product(9)}, bad):
        expected = (await sync.run(PRODUCT_SET, variables, None)).body["data"]
        got = (await prepared.run(variables))["data"]
        assert normalised(got) == normalised(expected)
    errors = got["productSet"]["userErrors"]
    assert got["productSet"]["product"] is None and errors and errors[0]["code"]


async def test_the_fast_plan_is_used_for_a_plain_payload() -> None:
    prepared = PreparedMutation(fresh_executor(), PRODUCT_SET)
    assert prepared.completer is not None
    assert PreparedMutation(fresh_executor(), WITH_DIRECTIVE).completer is None


async def test_invalid_document_gives_its_errors_on_every_line() -> None:
    executor = fresh_executor()
    document = "mutation($input: ProductSetInput!) { productSet(input: $input) { nope } }"
    prepared = PreparedMutation(executor, document)
    expected = (await executor.run(document, LINES[0], None, charge=False)).body
    got = await prepared.run(LINES[0])
    assert got["errors"] == expected["errors"] and "data" not in got
    assert executor.state.store.products == {}


async def test_bulk_operation_result_lines_match_synchronous_calls(tmp_path: Path) -> None:
    sync, bulk = fresh_executor(), fresh_executor()
    manager = BulkOperationManager(tmp_path, lambda: "http://x", rate_per_second=None)
    upload = "".join(json.dumps(line) + "\n" for line in LINES).encode()
    prepared = PreparedMutation(bulk, PRODUCT_SET)
    thresholds = gc.get_threshold()
    started = await manager.run_mutation(PRODUCT_SET, "vars.jsonl", prepared.run, lambda _: upload)
    assert started.bulk_operation is not None, started.user_errors
    operation = await manager.wait(started.bulk_operation.id)
    # The collector is relaxed only while the operation runs (its freeze is one-way by design).
    assert gc.get_threshold() == thresholds
    assert operation.result_name is not None
    rows = [json.loads(r) for r in (tmp_path / operation.result_name).read_text().splitlines()]
    assert [r.pop("__lineNumber") for r in rows] == list(range(len(LINES)))
    for row, variables in zip(rows, LINES, strict=True):
        expected = (await sync.run(PRODUCT_SET, variables, None, charge=False)).body
        assert normalised(row) == normalised(expected)


@pytest.mark.parametrize("document", [PRODUCT_SET, WITH_FRAGMENTS, WIDE])
async def test_regular_payloads_are_completed_without_graphql_core(
    document: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepared = PreparedMutation(fresh_executor(), document)
    assert prepared.completer is not None
    replayed: list[Any] = []

    async def replay(payload: Any, scope: Any, variables: dict[str, Any]) -> dict[str, Any]:
        replayed.append(variables)
        return {}

    monkeypatch.setattr(prepared, "_replay", replay)
    for variables in LINES:
        await prepared.run(variables)
    assert replayed == []


_REFERENCE_LINE_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
WEIGHTS = (
    "mutation($input: ProductSetInput!) { productSet(input: $input) { product { variants("
    "first: 5) { nodes { inventoryItem { measurement { weight { value unit } } } } } } } }"
)


@pytest.mark.parametrize("document", [PRODUCT_SET, WITH_FRAGMENTS, FIELD_ERROR, WIDE, WEIGHTS])
async def test_encoded_lines_are_the_standard_encoders_bytes(document: str) -> None:
    prepared = PreparedMutation(fresh_executor(), document)
    odd = product(8, title='Odd \ud800 \u2028 \x7f \x01 é 😀 "q" \\ </x>')
    for index, variables in enumerate([*LINES, {"input": odd}]):
        line = {**await prepared.run(variables), "__lineNumber": index}
        assert prepared.encode_line(line) == _REFERENCE_LINE_ENCODER.encode(line)
    for line in ({"data": {"n": 2**70}}, {"errors": [{"x": 1e-7}], "data": None}):
        assert prepared.encode_line(line) == _REFERENCE_LINE_ENCODER.encode(line)


def test_only_selections_without_floats_use_the_fast_encoder() -> None:
    executor = fresh_executor()
    assert PreparedMutation(executor, PRODUCT_SET)._orjson_exact
    assert PreparedMutation(executor, WIDE)._orjson_exact
    assert not PreparedMutation(executor, WEIGHTS)._orjson_exact
