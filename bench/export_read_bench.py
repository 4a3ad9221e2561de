"""Our CPU reading a full pull's export, before the database: per step, per product.

    .venv/bin/python bench/export_read_bench.py [--products 20000] [--rounds 3]

The emulator (its own process, `sync_bench.Emulator`) is seeded with `--products`; the
products and the variants exports run once, each in one bulk query; then each round reads
their result files over loopback HTTP the way the pull does, through ever more of the
pipeline (no database):

- download, lines parsed (`shopify.bulk.iter_jsonl`);
- + reassembled into product nodes (`iter_bulk_query_objects`);
- the variants export read into `VariantLines` (its own file);
- + the variants' extras merged and each node mapped to a `RemoteProduct`
  (`sync.pull.source.iter_export`, what the pull's engine reads);
- + each one's snapshot as a pull records it with the product it creates
  (`conflict.snapshot.SyncedSnapshot`: built, stored form, hash), the last of our work on a
  new product before its rows.

Rows are cumulative within the products file: a step's cost is the difference to the row
above. Each figure is the lowest of the rounds (CPU time of this process; the emulator's is
not counted).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

from product_dashboard.conflict.snapshot import SyncedSnapshot
from product_dashboard.shopify.bulk import (
    get_bulk_operation,
    iter_bulk_query_objects,
    iter_jsonl,
    run_bulk_query,
)
from product_dashboard.shopify.bulk_products import read_variant_lines
from product_dashboard.shopify.bulk_variants import VariantLines
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.documents import bulk_products_query, bulk_variants_query
from product_dashboard.sync.pull.source import iter_export
from sync_bench import TOKEN, Emulator


async def result_url(client: ShopifyClient, query: str) -> str:
    operation = await run_bulk_query(client, query)
    while True:
        found = await get_bulk_operation(client, operation.id)
        if found is not None and found.done:
            found.raise_for_status()
            assert found.url is not None
            return found.url
        await asyncio.sleep(0.2)


async def measure(emulator: Emulator, products: int, rounds: int) -> dict[str, float]:
    async with ShopifyClient(emulator.url, TOKEN) as client:
        products_url = await result_url(client, bulk_products_query())
        variants_url = await result_url(client, bulk_variants_query())

        async def lines() -> None:
            async for _ in iter_jsonl(client, products_url):
                pass

        async def nodes() -> None:
            async for _ in iter_bulk_query_objects(client, products_url):
                pass

        variants = VariantLines()

        async def variant_lines() -> None:
            await read_variant_lines(client, variants_url, VariantLines())

        async def remote_products() -> None:
            seen = 0
            async for _ in iter_export(client, products_url, variants):
                seen += 1
            assert seen == products, seen

        async def snapshots() -> None:
            async for remote in iter_export(client, products_url, variants):
                snapshot = SyncedSnapshot.of(remote.product)
                snapshot.to_stored()
                snapshot.snapshot_hash()

        await read_variant_lines(client, variants_url, variants)
        steps: dict[str, Callable[[], Awaitable[None]]] = {
            "download + lines parsed": lines,
            "+ reassembled into product nodes": nodes,
            "variants export read (VariantLines)": variant_lines,
            "+ extras merged, mapped (iter_export)": remote_products,
            "+ snapshots (stored form, hash)": snapshots,
        }
        best: dict[str, float] = {}
        for _ in range(rounds):
            for name, step in steps.items():
                started = time.process_time()
                await step()
                spent = time.process_time() - started
                best[name] = min(best.get(name, spent), spent)
        return best


def main(args: argparse.Namespace) -> None:
    emulator = Emulator()
    try:
        emulator.knob("config", {"plan": "unlimited", "latency_ms": 0})
        count: int = emulator.knob("seed", {"products": args.products, "seed": 7})["products"]
        emulator.knob("config", {"bulk_rate": 0, "bulk_startup_seconds": 0})
        best = asyncio.run(measure(emulator, count, args.rounds))
    finally:
        emulator.close()
    print(f"{count} products; lowest CPU of {args.rounds} rounds")
    print(f"{'step':<40} {'cpu ms/prod':>11}")
    print("-" * 52)
    for name, seconds in best.items():
        print(f"{name:<40} {1000 * seconds / count:>11.4f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    main(parser.parse_args())
