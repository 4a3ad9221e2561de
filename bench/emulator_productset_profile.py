"""Emulator CPU per product for batched, aliased productSet mutations (in-process, no network).

    .venv/bin/python bench/emulator_productset_profile.py [--products 900] [--batch 18]
        [--variants 3] [--repeat 3] [--profile create|unchanged|changed] [--top 30]

Posts the sync engine's batch documents (`p0: productSet(...) p1: ...`, 18 products each) to
the emulator app through httpx's ASGITransport, in three phases: create new products (by
handle), resend them unchanged (by id, with variant ids: the no-op path) and resend them with a
changed title and price. Per phase it prints CPU milliseconds per product for the whole request
("asgi": client, ASGI and emulator in this one process) and for the emulator's executor alone
("executor": the same documents and variables handed to `GraphQLExecutor.run` directly), the
latter being the figure the sync benchmark's emulator-CPU column is dominated by.
Each figure is the best of `--repeat` runs on a fresh emulator (the machine is shared, so the
minimum is the least noisy estimate). `--profile PHASE` runs that phase's executor calls under
cProfile once and prints the top functions.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import time
from collections.abc import Iterable
from typing import Any

import httpx

from product_dashboard.shopify.product_set import push_batch_document as batch_document
from shopify_emulator.app import create_app
from shopify_emulator.config import EmulatorConfig, Plan
from shopify_emulator.executor import GraphQLExecutor

TOKEN = "shpat_profile"
API = "/admin/api/2026-10/graphql.json"
SIZES = ("S", "M", "L", "XL", "XXL")


def product_input(
    index: int, variants: int, title_suffix: str, price_bump: int, ids: list[str] | None
) -> dict[str, Any]:
    """A ProductSetInput shaped like `product_set_input` in the sync engine."""
    sizes = SIZES[:variants]
    data: dict[str, Any] = {
        "handle": f"profile-{index}",
        "title": f"Profile product {index}{title_suffix}",
        "descriptionHtml": f"<p>Description of product {index}.</p>",
        "vendor": "Bench Vendor",
        "productType": "Shirts",
        "status": "ACTIVE",
        "tags": ["bench", f"group-{index % 7}"],
        "files": [
            {
                "originalSource": f"https://cdn.example.com/p{index}.jpg",
                "alt": f"Product {index}",
                "contentType": "IMAGE",
            }
        ],
        "productOptions": [{"name": "Size", "values": [{"name": s} for s in sizes]}],
    }
    entries: list[dict[str, Any]] = []
    for position, size in enumerate(sizes, start=1):
        entry: dict[str, Any] = {
            "optionValues": [{"optionName": "Size", "name": size}],
            "price": f"{10 + position + price_bump}.99",
            "compareAtPrice": None,
            "sku": f"SKU-{index}-{size}",
            "barcode": None,
            "position": position,
        }
        if ids:
            entry["id"] = ids[position - 1]
        entries.append(entry)
    data["variants"] = entries
    return data


def batch_payload(
    indexes: list[int],
    variants: int,
    title_suffix: str,
    price_bump: int,
    product_ids: dict[int, str],
    variant_ids: dict[int, list[str]],
) -> dict[str, Any]:
    query = batch_document(tuple("set" for _ in indexes))
    variables: dict[str, Any] = {}
    for n, index in enumerate(indexes):
        variables[f"i{n}"] = product_input(
            index, variants, title_suffix, price_bump, variant_ids.get(index)
        )
        gid = product_ids.get(index)
        variables[f"k{n}"] = {"id": gid} if gid else {"handle": f"profile-{index}"}
        variables[f"v{n}"] = variants
    return {"query": query, "variables": variables}


def record_ids(
    body: dict[str, Any],
    indexes: list[int],
    product_ids: dict[int, str],
    variant_ids: dict[int, list[str]],
) -> None:
    if body.get("errors"):
        raise SystemExit(f"request failed: {body['errors']}")
    for n, index in enumerate(indexes):
        result = body["data"][f"p{n}"]
        if result["userErrors"]:
            raise SystemExit(f"user errors for product {index}: {result['userErrors']}")
        product = result["product"]
        product_ids[index] = product["id"]
        variant_ids[index] = [v["id"] for v in product["variants"]["nodes"]]


PHASES: dict[str, tuple[str, int]] = {
    "create": ("", 0),
    "unchanged": ("", 0),
    "changed": (" (new)", 1),
}


async def run_asgi(products: int, batch: int, variants: int) -> dict[str, float]:
    """CPU ms per product for each phase, whole requests through ASGI."""
    app = create_app(EmulatorConfig(plan=Plan.UNLIMITED, access_token=TOKEN))
    transport = httpx.ASGITransport(app=app)
    product_ids: dict[int, str] = {}
    variant_ids: dict[int, list[str]] = {}
    figures: dict[str, float] = {}
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://emulator.test",
        headers={"X-Shopify-Access-Token": TOKEN},
    ) as client:
        for phase, (suffix, bump) in PHASES.items():
            payloads = [
                (
                    indexes,
                    batch_payload(indexes, variants, suffix, bump, product_ids, variant_ids),
                )
                for indexes in _batches(products, batch)
            ]
            started = time.process_time()
            for indexes, payload in payloads:
                response = await client.post(API, json=payload)
                record_ids(response.json(), indexes, product_ids, variant_ids)
            figures[phase] = (time.process_time() - started) * 1000 / products
    return figures


async def run_executor(
    products: int, batch: int, variants: int, profile: str | None, top: int
) -> dict[str, float]:
    """CPU ms per product for each phase, calling the emulator's executor directly."""
    app = create_app(EmulatorConfig(plan=Plan.UNLIMITED, access_token=TOKEN))
    executor: GraphQLExecutor = app.state.executor
    product_ids: dict[int, str] = {}
    variant_ids: dict[int, list[str]] = {}
    figures: dict[str, float] = {}
    for phase, (suffix, bump) in PHASES.items():
        # Variables are decoded from JSON per request in the real server; do it up front here.
        payloads = [
            (indexes, json.loads(json.dumps(payload)))
            for indexes in _batches(products, batch)
            for payload in [
                batch_payload(indexes, variants, suffix, bump, product_ids, variant_ids)
            ]
        ]
        profiler = cProfile.Profile() if phase == profile else None
        started = time.process_time()
        if profiler is not None:
            profiler.enable()
        for indexes, payload in payloads:
            outcome = await executor.run(payload["query"], payload["variables"], None)
            record_ids(outcome.body, indexes, product_ids, variant_ids)
        if profiler is not None:
            profiler.disable()
        figures[phase] = (time.process_time() - started) * 1000 / products
        if profiler is not None:
            stats = pstats.Stats(profiler).strip_dirs().sort_stats("cumulative")
            stats.print_stats(top)
            stats.sort_stats("tottime").print_stats(top)
    return figures


def _batches(products: int, batch: int) -> list[list[int]]:
    return [list(range(i, min(i + batch, products))) for i in range(0, products, batch)]


def _best(runs: Iterable[dict[str, float]]) -> dict[str, float]:
    best: dict[str, float] = {}
    for figures in runs:
        for phase, value in figures.items():
            best[phase] = min(value, best.get(phase, value))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=900)
    parser.add_argument("--batch", type=int, default=18)
    parser.add_argument("--variants", type=int, default=3, choices=range(1, len(SIZES) + 1))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", choices=tuple(PHASES), default=None)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    executor = _best(
        asyncio.run(run_executor(args.products, args.batch, args.variants, profile, args.top))
        for profile in [args.profile] + [None] * (args.repeat - 1)
    )
    asgi = _best(
        asyncio.run(run_asgi(args.products, args.batch, args.variants)) for _ in range(args.repeat)
    )
    print(
        f"\nproductSet, {args.products} products x {args.variants} variants, "
        f"{args.batch} per aliased request"
    )
    print(f"{'phase':<10} {'executor CPU ms/product':>24} {'asgi CPU ms/product':>20}")
    for phase in PHASES:
        print(f"{phase:<10} {executor[phase]:>24.3f} {asgi[phase]:>20.3f}")


if __name__ == "__main__":
    main()
