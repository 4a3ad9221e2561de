"""Pull benchmark: Shopify → catalog against the store emulator, side by side.

    .venv/bin/python bench/pull_bench.py [--products 2000] [--only slots,full,incremental]
        [--bulk-rate 0 --bulk-startup 0] [--database-url postgresql+asyncpg://…]

The emulator runs in its own process (`sync_bench.Emulator`) with `--products` seeded by its own
generator; each run pulls into a fresh, migrated database (a temporary SQLite file, or the given
URL's database emptied first). Runs:

- `slots`: a full pull with the export in one bulk query, then split over five (the shop's bulk
  slots): what the split buys, with the bulk timing given (the emulator paces bulk *query*
  lines like mutation lines: `--bulk-rate` lines/s per operation after `--bulk-startup` s);
- `full`: a full pull into an empty catalog (five slots);
- `incremental`: after `full`, 1% of the store's products edited there, then an incremental pull;
- `push`: after `full`, the same catalog pushed back in bulk to an emptied store
  (`sync_bench.run`), for the two directions side by side.

Per run: products, seconds, products/s, bulk operations, and CPU ms per product of this process
(our engine and database) and of the emulator.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard import migrate
from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.shopify.bulk import MAX_BULK_OPERATIONS
from product_dashboard.store_gateway import StoreAccess, StoreGateway
from product_dashboard.sync.pull.engine import PullEngine, PullParams, PullReport
from product_dashboard.sync.push.modes import PushMode
from product_dashboard.sync.push.planner import PushScope
from sync_bench import BULK_TIMING, TOKEN, Emulator
from sync_bench import print_table as print_push_table
from sync_bench import run as push_run

RUNS = ("slots", "full", "incremental", "push")


@dataclass
class Row:
    name: str
    report: PullReport
    seconds: float
    our_cpu: float
    emulator_cpu: float

    @property
    def products(self) -> int:
        return self.report.seen


def committing(maker: async_sessionmaker[AsyncSession]) -> Any:
    @asynccontextmanager
    async def factory() -> AsyncIterator[AsyncSession]:
        async with maker() as session, session.begin():
            yield session

    return factory


async def empty_database(url: str) -> None:
    """Drop and recreate the public schema (PostgreSQL) so migrations start clean."""
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


def fresh_database(args: argparse.Namespace) -> str:
    if args.database_url:
        asyncio.run(empty_database(args.database_url))
        url: str = args.database_url
    else:
        url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp(prefix='pull-bench-')) / 'bench.db'}"
    migrate.upgrade(url)  # runs its own event loop
    return url


async def pull(name: str, url: str, emulator: Emulator, params: PullParams) -> Row:
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    client = StoreGateway(StoreAccess(emulator.url, TOKEN, timeout_seconds=120.0)).client()
    emulator_cpu = emulator.cpu_seconds()
    our_cpu = time.process_time()
    started = time.perf_counter()
    try:
        report = await PullEngine(committing(sessions), client, ConflictEvents(None)).run(params)
    finally:
        await client.aclose()
        await engine.dispose()
    row = Row(
        name=name,
        report=report,
        seconds=time.perf_counter() - started,
        our_cpu=time.process_time() - our_cpu,
        emulator_cpu=emulator.cpu_seconds() - emulator_cpu,
    )
    print_table([row])
    return row


def print_table(rows: list[Row]) -> None:
    header = (
        f"{'run':<40} {'products':>8} {'seconds':>8} {'prod/s':>8} {'bulk ops':>8} "
        f"{'failed':>6} {'cpu ms/prod':>11} {'emu cpu ms/prod':>15}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        n = max(1, row.products)
        operations = len((row.report.bulk or {}).get("operations", []))
        print(
            f"{row.name:<40} {row.products:>8} {row.seconds:>8.2f} "
            f"{row.products / row.seconds:>8.1f} {operations:>8} "
            f"{row.report.outcomes.get('error', 0):>6} "
            f"{1000 * row.our_cpu / n:>11.2f} {1000 * row.emulator_cpu / n:>15.2f}"
        )


def main(args: argparse.Namespace) -> None:
    wanted = set(args.only.split(",")) if args.only else set(RUNS)
    emulator = Emulator()
    rows: list[Row] = []
    try:
        emulator.knob("config", {"plan": "unlimited", "latency_ms": args.latency_ms})
        seeded = emulator.knob("seed", {"products": args.products, "seed": 7})
        count: int = seeded["products"]
        ids: list[str] = seeded["product_ids"]  # the first 1,000
        timing = {"bulk_rate": args.bulk_rate, "bulk_startup_seconds": args.bulk_startup}
        emulator.knob("config", timing)
        BULK_TIMING.update(timing)  # the push beside it runs at the same bulk timing
        print(
            f"emulator store: {count} products; bulk timing "
            + (f"{args.bulk_rate:g} lines/s per operation" if args.bulk_rate else "unpaced")
            + f", {args.bulk_startup:g} s start-up; {args.latency_ms:g} ms latency; database "
            + ("PostgreSQL" if args.database_url else "SQLite")
        )
        if "slots" in wanted:
            for slots in (1, MAX_BULK_OPERATIONS):
                url = fresh_database(args)
                label = f"full pull, {slots} slot{'s' if slots > 1 else ''}"
                rows.append(
                    asyncio.run(pull(label, url, emulator, PullParams("full", bulk_slots=slots)))
                )
        if wanted & {"full", "incremental"}:
            url = fresh_database(args)
            if "full" in wanted or "incremental" in wanted:
                rows.append(
                    asyncio.run(pull("full pull, 5 slots", url, emulator, PullParams("full")))
                )
            if "incremental" in wanted:
                changed = ids[: max(1, count // 100)]
                for shopify_id in changed:
                    emulator.knob(f"products/{shopify_id}/edit", {"vendor": "Changed There"})
                time.sleep(1.1)  # Shopify's search is by the second
                rows.append(
                    asyncio.run(
                        pull(
                            f"incremental pull, {len(changed)} changed (1%)",
                            url,
                            emulator,
                            PullParams("incremental"),
                        )
                    )
                )
        if "push" in wanted:
            pushed = asyncio.run(push_back(url, emulator, args))
    finally:
        emulator.close()
    print()
    print_table(rows)
    if "push" in wanted:
        print()
        print_push_table([pushed])


async def push_back(url: str, emulator: Emulator, args: argparse.Namespace) -> Any:
    """The pulled catalog pushed in bulk to the emptied store (same timing and latency)."""
    engine = create_engine(url)
    try:
        return await push_run(
            "bulk push of the same catalog",
            emulator,
            create_sessionmaker(engine),
            PushMode.bulk,
            PushScope(),
            latency_ms=args.latency_ms,
            dialect=engine.dialect.name,
        )
    finally:
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--only", default="", help=f"comma-separated runs out of {','.join(RUNS)}")
    parser.add_argument("--bulk-rate", type=float, default=0.0, help="lines/s per operation")
    parser.add_argument("--bulk-startup", type=float, default=0.0, help="seconds per operation")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (emptied!)")
    main(parser.parse_args())
