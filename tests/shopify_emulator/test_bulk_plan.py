"""The bulk query plan (`bulk_plan`) against graphql-core's executor: the same lines, byte for
byte, for the pull's exports over generated products with awkward values, and the same fallback
to graphql-core for what the plan does not model."""

from __future__ import annotations

import json
from typing import Any

import pytest

from product_dashboard.shopify.documents import bulk_products_query, bulk_variants_query
from shopify_emulator import bulk_plan
from shopify_emulator import executor as executor_module
from shopify_emulator.app import wire_client_fields
from shopify_emulator.bulk.flatten import flatten_bulk_result
from shopify_emulator.bulk_paging import run_bulk_query
from shopify_emulator.config import EmulatorConfig, Plan
from shopify_emulator.executor import GraphQLExecutor
from shopify_emulator.graphql_schema import build_executable_schema
from shopify_emulator.seed import seed_products
from shopify_emulator.state import EmulatorState
from shopify_emulator.wiring import wire_subsystems

pytestmark = pytest.mark.quick

SET = """mutation($input: ProductSetInput!) { productSet(input: $input) {
  product { id } userErrors { field message } } }"""
AWKWARD = 'Ünïcødé "quoted" \\ back\u2028slash 日本語 🧦 <b>&amp;</b>'


def _executor() -> GraphQLExecutor:
    state = EmulatorState(EmulatorConfig(plan=Plan.UNLIMITED))
    schema = build_executable_schema()
    executor = GraphQLExecutor(state, schema)
    wire_subsystems(state, schema, executor)
    wire_client_fields(state, schema)
    seed_products(state.store, 200, 11)  # 1-6 variants, media or none, 0-3 tags
    return executor


async def _create(executor: GraphQLExecutor, product: dict[str, Any]) -> None:
    outcome = await executor.run(SET, {"input": product}, None, charge=False)
    payload = outcome.body["data"]["productSet"]
    assert payload["userErrors"] == [], payload


def _metafield(key: str, value: str, type_: str = "single_line_text_field") -> dict[str, Any]:
    return {"namespace": "custom", "key": key, "type": type_, "value": value}


async def _awkward_products(executor: GraphQLExecutor) -> None:
    sizes = [f"S{n} {AWKWARD[:3]}" for n in range(10)]
    colours = ["Rot", "Grün", "Blå", "黒", "🧡"]
    await _create(
        executor,
        {
            "title": AWKWARD,
            "descriptionHtml": f"<p>{AWKWARD}</p>\n<p></p>",
            "vendor": "",
            "productType": "Ünï",
            "tags": ["ä", "日本", "with space", "🧦"],
            "seo": {"title": AWKWARD, "description": ""},
            "productOptions": [
                {"name": "Size", "values": [{"name": s} for s in sizes]},
                {"name": "Colour", "values": [{"name": c} for c in colours]},
            ],
            "variants": [
                {
                    "optionValues": [
                        {"optionName": "Size", "name": s},
                        {"optionName": "Colour", "name": c},
                    ],
                    "price": f"{n}.5",
                    "compareAtPrice": None if n % 2 else "99.99",
                    "sku": f"SKU-{n}-ü" if n % 3 else None,
                    "barcode": "",
                    "metafields": [_metafield("note", f"{AWKWARD} {n}")] if n % 4 == 0 else [],
                }
                for n, (s, c) in enumerate((s, c) for s in sizes for c in colours)
            ],
            "metafields": [
                _metafield("text", AWKWARD),
                _metafield("json", json.dumps({"a": [1, None, "ü"]}), "json"),
                _metafield("number", "-0.000", "number_decimal"),
            ],
            "files": [
                {"originalSource": "https://example.com/ü.jpg", "contentType": "IMAGE", "alt": ""},
                {"originalSource": "https://example.com/b.png", "contentType": "IMAGE"},
                {"originalSource": "https://example.com/clip.mp4", "contentType": "VIDEO"},
            ],
        },
    )
    await _create(executor, {"title": "Bare", "status": "DRAFT"})  # every list empty


async def _lines(executor: GraphQLExecutor, query: str, *, planned: bool) -> list[str]:
    body = await run_bulk_query(executor, query, planned=planned)
    assert "errors" not in body
    return [json.dumps(line, ensure_ascii=False) for line in flatten_bulk_result(body["data"])]


@pytest.mark.parametrize(
    "query",
    [
        bulk_products_query(),
        bulk_products_query("id:>=1 AND tag:ä"),
        bulk_variants_query(),
        "{ products { edges { node { __typename id ...F media { nodes { __typename alt "
        "... on Node { id } ... on MediaImage { id image { url altText } kind: mimeType } "
        "preview { image { url } } } } } } } } "
        "fragment F on Product { title handle onlineStoreUrl totalInventory }",
    ],
    ids=["products", "filtered", "variants", "fragments"],
)
async def test_the_plan_writes_graphql_cores_lines(
    query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    executor = _executor()
    await _awkward_products(executor)
    pages: list[str] = []

    def counted(plan: bulk_plan.Plan) -> dict[str, Any]:
        try:
            data = bulk_plan.run_plan(plan)
        except bulk_plan.Unplanned:
            pages.append("graphql-core")
            raise
        pages.append("plan")
        return data

    monkeypatch.setattr(executor_module, "run_plan", counted)
    planned = await _lines(executor, query, planned=True)
    assert pages and set(pages) == {"plan"}  # every page planned, none handed over
    generic = await _lines(executor, query, planned=False)
    assert len(planned) >= 50
    assert planned == generic


async def test_a_resolver_error_falls_back_to_graphql_cores_report() -> None:
    executor = _executor()
    variants = executor.schema.type_map["ProductVariant"].fields  # type: ignore[union-attr]

    def broken(source: Any, info: Any, **args: Any) -> Any:
        raise RuntimeError("resolver blew up")

    variants["sku"].resolve = broken
    query = "{ products { edges { node { id variants { edges { node { id sku } } } } } } }"
    planned = await run_bulk_query(executor, query, planned=True)
    generic = await run_bulk_query(executor, query, planned=False)
    assert planned["errors"] and planned == generic
