"""Held level events: what a create pays to find those held for the items it links.

Every transaction that links inventory items (a pull chunk with new products, a
`products/create`) looks for the `inventory_levels/update` events held as `not_linked` for
them that were received since its read began, less five minutes
(`inventory.inbound.apply_held_updates`); a refresh that learns a location, for all those held
(`apply_held_at_locations`). Stores `--events` level events (default 100,000; `--held` of them
held), received over the last `--minutes` (default 5: all within a create's window, as a busy
store's events during a pull), then times each look (for an item or a location none is held
for: the look alone) with the held events' partial index, and again without it (dropped: as
before migration 0023), in one run. Prints the median wall and CPU per look (this process's:
SQLite's thread included, PostgreSQL's server not).

    .venv/bin/python bench/held_level_bench.py [--events 100000] [--held 100] [--minutes 5]
                                              [--runs 21] [--database-url postgresql+asyncpg://…]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, text

from product_dashboard import migrate
from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.inventory.inbound import (
    TOPIC,
    LevelOutcome,
    apply_held_at_locations,
    apply_held_updates,
)
from product_dashboard.kit.time import utcnow
from product_dashboard.models import WebhookEvent

INDEX = "ix_webhook_event_held"


async def store(url: str, events: int, held: int, minutes: float) -> None:
    engine = create_engine(url)
    now = utcnow()
    every = max(1, events // max(1, held))
    rows = [
        {
            "webhook_id": f"w-{n}",
            "topic": TOPIC,
            "state": "processed",
            "outcome": (LevelOutcome.not_linked if n % every == 0 else LevelOutcome.merged).value,
            "body": json.dumps(
                {"inventory_item_id": n, "location_id": 1, "available": 3, "updated_at": None}
            ),
            "received_at": now - timedelta(minutes=minutes) * (events - n) / events,
        }
        for n in range(events)
    ]
    async with engine.begin() as connection:
        for start in range(0, len(rows), 5_000):
            await connection.execute(insert(WebhookEvent), rows[start : start + 5_000])
        await connection.execute(text("ANALYZE"))
    await engine.dispose()


async def looks(url: str, runs: int) -> list[tuple[float, float]]:
    """Median wall and CPU (ms) of a create's look for held events, then a refresh's (each
    rolled back)."""
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    medians: list[tuple[float, float]] = []
    for refresh in (False, True):
        walls: list[float] = []
        cpus: list[float] = []
        for _ in range(runs):
            async with sessions() as session:
                wall, cpu = time.perf_counter(), time.process_time()
                if refresh:
                    await apply_held_at_locations(session, {"gid://shopify/Location/0x": 1})
                else:
                    await apply_held_updates(
                        session, {"gid://shopify/InventoryItem/0x": 1}, utcnow()
                    )
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
                await session.rollback()
        medians.append((statistics.median(walls) * 1000, statistics.median(cpus) * 1000))
    await engine.dispose()
    return medians


async def run(url: str, events: int, held: int, minutes: float, runs: int) -> None:
    await asyncio.to_thread(migrate.upgrade, url)
    await store(url, events, held, minutes)
    with_index = await looks(url, runs)
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text(f"DROP INDEX {INDEX}"))
    await engine.dispose()
    without = await looks(url, runs)
    print(
        f"{events:,} level events received over {minutes:g} min, {held} held;"
        f" median of {runs} looks ({url.split(':')[0]})"
    )
    print("| look | held events read | wall ms | process CPU ms |")
    print("|---|---|---|---|")
    for n, look in enumerate(("a create's", "a location refresh's")):
        for how, (wall, cpu) in (("by their index", with_index[n]), ("no index", without[n])):
            print(f"| {look} | {how} | {wall:.2f} | {cpu:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--held", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--database-url", help="an empty database (default: a temporary SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(directory) / 'held.db'}"
        asyncio.run(run(url, args.events, args.held, args.minutes, args.runs))


if __name__ == "__main__":
    main()
