"""Throughput of the emulator's bulk operations (lines per second), printed as a table.

Rows: a bulk mutation over 20,000 JSONL lines with a trivial `execute`; the same with an `execute`
that runs a parsed, validated mutation through graphql-core per line; the emulator's own bulk path
(productSet with 3 variants per line through its executor, full validation, real store; its process
CPU per 1,000 lines is printed too); a bulk query flattening 20,000 products with 3 variants each.

    .venv/bin/python bench/bulk_bench.py [--lines 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from graphql import build_schema, execute, parse, validate

from shopify_emulator.bulk import BulkOperationManager
from shopify_emulator.config import REALISTIC_BULK_RATE, REALISTIC_BULK_STARTUP_SECONDS

MUTATION = (
    "mutation call($input: ProductInput!) { productCreate(input: $input) "
    "{ product { id title handle } userErrors { field message } } }"
)
QUERY = "{ products { edges { node { id title variants { edges { node { id sku } } } } } } }"
SCHEMA = build_schema(
    """
    type Query { ok: Boolean }
    type Mutation { productCreate(input: ProductInput!): ProductCreatePayload }
    input ProductInput { title: String!, handle: String, vendor: String, tags: [String!] }
    type Product { id: ID!, title: String!, handle: String! }
    type UserError { field: [String!], message: String! }
    type ProductCreatePayload { product: Product, userErrors: [UserError!]! }
    """
)


def trivial_execute() -> Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]:
    counter = itertools.count(1)

    async def run(variables: dict[str, Any]) -> dict[str, Any]:
        product = {"id": f"gid://shopify/Product/{next(counter)}"}
        return {"data": {"productCreate": {"product": product, "userErrors": []}}}

    return run


def graphql_execute() -> Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]:
    document = parse(MUTATION)
    assert not validate(SCHEMA, document)
    counter = itertools.count(1)

    def product_create(_root: object, _info: object, input: dict[str, Any]) -> dict[str, Any]:
        product = {
            "id": f"gid://shopify/Product/{next(counter)}",
            "title": input["title"],
            "handle": input.get("handle") or input["title"].lower().replace(" ", "-"),
        }
        return {"product": product, "userErrors": []}

    root = {"productCreate": product_create}

    async def run(variables: dict[str, Any]) -> dict[str, Any]:
        result = execute(SCHEMA, document, root_value=root, variable_values=variables)
        assert not isinstance(result, Awaitable)
        return {"data": result.data}

    return run


async def bench_mutation(
    directory: Path, lines: int, execute_factory: Callable[[], Any]
) -> tuple[float, int]:
    upload = directory / "vars.jsonl"
    with upload.open("w") as handle:
        for n in range(lines):
            variables = {"input": {"title": f"Product {n}", "vendor": "Acme", "tags": ["a", "b"]}}
            handle.write(json.dumps(variables) + "\n")
    manager = BulkOperationManager(directory / "results", lambda: "http://127.0.0.1")
    started = time.perf_counter()
    payload = await manager.run_mutation(MUTATION, "k", execute_factory(), lambda key: upload)
    assert payload.bulk_operation is not None, payload.user_errors
    operation = await manager.wait(payload.bulk_operation.id, timeout=600)
    elapsed = time.perf_counter() - started
    assert operation.object_count == lines, operation
    return elapsed, operation.object_count


EMULATOR_PRODUCT_SET = (
    "mutation Set($input: ProductSetInput!, $identifier: ProductSetIdentifiers) "
    "{ productSet(input: $input, identifier: $identifier) "
    "{ product { id updatedAt } userErrors { field message code } } }"
)


def emulator_product_input(n: int) -> dict[str, Any]:
    sizes = ["S", "M", "L"]
    return {
        "title": f"Bulk Product {n}",
        "handle": f"bulk-product-{n}",
        "vendor": "Bench",
        "productType": "Shirts",
        "tags": ["bench", f"batch-{n % 10}"],
        "productOptions": [{"name": "Size", "values": [{"name": s} for s in sizes]}],
        "variants": [
            {
                "optionValues": [{"optionName": "Size", "name": s}],
                "price": "19.99",
                "sku": f"{n}-{s}",
            }
            for s in sizes
        ],
    }


async def bench_emulator_mutation(directory: Path, lines: int) -> tuple[float, int, float]:
    """The emulator's own path: productSet (3 variants) per line, full validation, real store.

    Returns (seconds, lines, process CPU-seconds per 1,000 lines).
    """
    from shopify_emulator.config import EmulatorConfig, Plan
    from shopify_emulator.executor import GraphQLExecutor
    from shopify_emulator.graphql_schema import build_executable_schema
    from shopify_emulator.state import EmulatorState

    executor = GraphQLExecutor(
        EmulatorState(EmulatorConfig(plan=Plan.UNLIMITED)), build_executable_schema()
    )
    upload = directory / "vars.jsonl"
    with upload.open("w") as handle:
        for n in range(lines):
            handle.write(json.dumps({"input": emulator_product_input(n)}) + "\n")
    manager = BulkOperationManager(directory / "results", lambda: "http://127.0.0.1")
    cpu = time.process_time()
    started = time.perf_counter()

    async def run_line(variables: dict[str, Any]) -> dict[str, Any]:
        outcome = await executor.run(EMULATOR_PRODUCT_SET, variables, None, charge=False)
        return outcome.body

    payload = await manager.run_mutation(EMULATOR_PRODUCT_SET, "k", run_line, lambda key: upload)
    assert payload.bulk_operation is not None, payload.user_errors
    operation = await manager.wait(payload.bulk_operation.id, timeout=600)
    elapsed = time.perf_counter() - started
    cpu_per_1000 = (time.process_time() - cpu) * 1000 / lines
    assert operation.object_count == lines and len(executor.state.store.products) == lines
    return elapsed, operation.object_count, cpu_per_1000


async def bench_query(directory: Path, products: int) -> tuple[float, int]:
    data = {
        "products": {
            "edges": [
                {
                    "node": {
                        "id": f"gid://shopify/Product/{p}",
                        "title": f"Product {p}",
                        "variants": {
                            "edges": [
                                {"node": {"id": f"gid://shopify/ProductVariant/{p}{v}", "sku": "s"}}
                                for v in range(3)
                            ]
                        },
                    }
                }
                for p in range(products)
            ]
        }
    }

    async def execute_all() -> dict[str, Any]:
        return {"data": data}

    manager = BulkOperationManager(directory / "results", lambda: "http://127.0.0.1")
    started = time.perf_counter()
    payload = await manager.run_query(QUERY, execute_all)
    assert payload.bulk_operation is not None, payload.user_errors
    operation = await manager.wait(payload.bulk_operation.id, timeout=600)
    return time.perf_counter() - started, operation.object_count


async def main(lines: int) -> None:
    rows: list[tuple[str, int, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        elapsed, count = await bench_mutation(Path(tmp), lines, trivial_execute)
        rows.append(("mutation, trivial execute", count, elapsed))
    with tempfile.TemporaryDirectory() as tmp:
        elapsed, count = await bench_mutation(Path(tmp), lines, graphql_execute)
        rows.append(("mutation, graphql-core execute", count, elapsed))
    with tempfile.TemporaryDirectory() as tmp:
        elapsed, count, cpu = await bench_emulator_mutation(Path(tmp), lines)
        rows.append(("mutation, emulator productSet x3 variants", count, elapsed))
    with tempfile.TemporaryDirectory() as tmp:
        elapsed, count = await bench_query(Path(tmp), lines)
        rows.append(("query flatten (1 product + 3 variants)", count, elapsed))
    print(
        "bulk pacing lifted: every manager here runs unpaced (rate None) with no start-up time; "
        f"the emulator's default is {REALISTIC_BULK_RATE:.0f} lines/s per operation after a "
        f"{REALISTIC_BULK_STARTUP_SECONDS:.0f} s start-up (emulator/README.md, Bulk timing)"
    )
    print(f"{'case':<42} {'lines':>8} {'seconds':>9} {'lines/s':>10}")
    for name, count, elapsed in rows:
        print(f"{name:<42} {count:>8} {elapsed:>9.3f} {count / elapsed:>10,.0f}")
    print(
        f"emulator productSet: {cpu:.3f} CPU-s per 1,000 lines ({1000 / cpu:,.0f} lines per "
        f"CPU-second; bar >= 3,000 lines/s), load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=20_000)
    asyncio.run(main(parser.parse_args().lines))
