"""What an extraction client's variant read costs the emulator: every variant, 250 a page.

Seeds catalogs of several sizes in-process (1-6 variants per product), then pages through
`productVariants(first: 250, after:)` with the executor directly (no HTTP: this is the
emulator's own CPU) and prints, per catalog, the first page (which builds and sorts the rows
once per store version), the mean and worst later page, and the whole read. A later page
should cost the same at every catalog size; the whole read should grow with the catalog,
not with its square (before this bench, each page rebuilt and re-sorted every variant).

    .venv/bin/python bench/variant_paging_bench.py [--products 2000,20000] [--pages 40]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from shopify_emulator import EmulatorConfig, Plan
from shopify_emulator.executor import GraphQLExecutor
from shopify_emulator.graphql_schema import build_executable_schema
from shopify_emulator.resolvers.client_fields import wire_client_fields
from shopify_emulator.seed import seed_products
from shopify_emulator.state import EmulatorState

PAGE = (
    "query($after: String) { productVariants(first: 250, after: $after) { "
    "nodes { id sku price inventoryQuantity updatedAt } pageInfo { hasNextPage endCursor } } }"
)


async def read_all(executor: GraphQLExecutor, max_pages: int) -> list[float]:
    """CPU seconds of each page, until the last page or `max_pages`."""
    costs: list[float] = []
    after = None
    while len(costs) < max_pages:
        started = time.process_time()
        outcome = await executor.run(PAGE, {"after": after}, None, charge=False)
        costs.append(time.process_time() - started)
        page = outcome.body["data"]["productVariants"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    return costs


def main(sizes: list[int], max_pages: int) -> None:
    print(
        f"{'products':>9} {'variants':>9} {'pages':>6} {'first ms':>9} "
        f"{'later mean ms':>14} {'later max ms':>13} {'pages/s':>8}"
    )
    for size in sizes:
        state = EmulatorState(EmulatorConfig(plan=Plan.UNLIMITED))
        schema = build_executable_schema()
        wire_client_fields(state, schema)
        executor = GraphQLExecutor(state, schema)
        seed_products(state.store, size, seed=7)
        costs = asyncio.run(read_all(executor, max_pages))
        later = costs[1:] or costs
        print(
            f"{size:>9,} {len(state.store.variants):>9,} {len(costs):>6} "
            f"{costs[0] * 1000:>9.1f} {sum(later) / len(later) * 1000:>14.1f} "
            f"{max(later) * 1000:>13.1f} {len(costs) / sum(costs):>8.0f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", default="2000,20000")
    parser.add_argument("--pages", type=int, default=40, help="pages read per catalog at most")
    args = parser.parse_args()
    main([int(n) for n in args.products.split(",")], args.pages)
