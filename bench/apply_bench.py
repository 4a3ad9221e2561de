"""Our CPU in a full pull, without the emulator's: reading the export, then applying it.

    .venv/bin/python bench/apply_bench.py [--products 20000] [--rounds 3] [--chunk 200]

The emulator (its own process, `sync_bench.Emulator`) is seeded with `--products`; the products
and the variants exports run once, each in one bulk query. Each round reads both result files
over loopback HTTP into `RemoteProduct`s (`sync.pull.source.iter_export`, as the pull's engine
reads them), then applies them in chunks (`sync.pull.apply.apply_chunk`, one transaction each,
as the engine does) into a fresh copy of a migrated SQLite catalog: every product is created.
Printed per round and best of the rounds: CPU ms per product of this process for the read and
for the apply (the database's thread included), and the apply's wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from pathlib import Path

from export_read_bench import result_url
from product_dashboard import migrate
from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.kit.gc_policy import fewer_collections, freeze_long_lived_heap
from product_dashboard.shopify.bulk_products import read_variant_lines
from product_dashboard.shopify.bulk_variants import VariantLines
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.documents import bulk_products_query, bulk_variants_query
from product_dashboard.sync.pull.apply import apply_chunk
from product_dashboard.sync.pull.source import iter_export
from pull_bench import committing
from sync_bench import TOKEN, Emulator


async def measure(emulator: Emulator, template: Path, args: argparse.Namespace) -> None:
    reads: list[float] = []
    applies: list[float] = []
    async with ShopifyClient(emulator.url, TOKEN) as client:
        products_url = await result_url(client, bulk_products_query())
        variants_url = await result_url(client, bulk_variants_query())
        for round_ in range(args.rounds):
            started = time.process_time()
            variants = VariantLines()
            await read_variant_lines(client, variants_url, variants)
            remotes = [remote async for remote in iter_export(client, products_url, variants)]
            reads.append(time.process_time() - started)
            scratch = Path(tempfile.mkdtemp(prefix="apply-bench-"))
            try:
                shutil.copyfile(template, scratch / "bench.db")
                engine = create_engine(f"sqlite+aiosqlite:///{scratch / 'bench.db'}")
                sessions = committing(create_sessionmaker(engine))
                started, wall = time.process_time(), time.perf_counter()
                for start in range(0, len(remotes), args.chunk):
                    chunk = remotes[start : start + args.chunk]
                    result = await apply_chunk(sessions, chunk, ConflictEvents(None))
                    assert result.outcomes["created"] == len(chunk), result.outcomes
                applies.append(time.process_time() - started)
                wall = time.perf_counter() - wall
                await engine.dispose()
            finally:
                shutil.rmtree(scratch)
            n = len(remotes)
            print(
                f"round {round_ + 1}: read {1000 * reads[-1] / n:.3f}, apply "
                f"{1000 * applies[-1] / n:.3f} ms CPU/product (apply wall {wall:.1f} s)",
                flush=True,
            )
    n = args.products
    print(
        f"best of {args.rounds}: read {1000 * min(reads) / n:.3f} + apply "
        f"{1000 * min(applies) / n:.3f} = {1000 * (min(reads) + min(applies)) / n:.3f} "
        "ms CPU/product"
    )


def main(args: argparse.Namespace) -> None:
    freeze_long_lived_heap()  # as the dashboard does once it has started (and pull_bench)
    emulator = Emulator()
    scratch = Path(tempfile.mkdtemp(prefix="apply-bench-template-"))
    try:
        emulator.knob("config", {"plan": "unlimited", "latency_ms": 0})
        emulator.knob("seed", {"products": args.products, "seed": 7})
        emulator.knob("config", {"bulk_rate": 0, "bulk_startup_seconds": 0})
        migrate.upgrade(f"sqlite+aiosqlite:///{scratch / 'template.db'}")
        with fewer_collections():  # as the pull's engine runs
            asyncio.run(measure(emulator, scratch / "template.db", args))
    finally:
        emulator.close()
        shutil.rmtree(scratch)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=200, help="products per apply_chunk")
    main(parser.parse_args())
