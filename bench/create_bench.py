"""Products created one at a time as the API creates them: CPU and wall per create, as a table.

Each create is `product.service.create` (what `POST /api/products` and a CSV import's new product
run) in a transaction of its own, into a fresh, migrated database (a temporary SQLite file, or
the given URL's database emptied first), for two shapes: one variant, and 12 variants over two
options with 3 images and 3 metafields. Twenty creates of each warm up first.

    .venv/bin/python bench/create_bench.py [--creates 300] [--database-url postgresql+asyncpg://…]

Per shape: creates, CPU ms per create of this process (our code and, on SQLite, the database),
wall ms per create, the machine's steal and load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api_bench import cpu_seconds, steal_share
from product_dashboard.audit.service import Actor
from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.models import AuditSource
from product_dashboard.product import service
from product_dashboard.product.schemas import ProductCreate
from pull_bench import fresh_database

WARM_UP = 20
SIZES = ("S", "M", "L", "XL")
COLOURS = ("Red", "Blue", "Green")


def plain(n: int) -> ProductCreate:
    return ProductCreate.model_validate(
        {
            "title": f"Plain {n}",
            "vendor": "Acme",
            "tags": ["basic", "cotton"],
            "variants": [{"price": "9.99", "sku": f"P{n}", "inventory_quantity": 3}],
        }
    )


def shirt(n: int) -> ProductCreate:
    images = [f"https://cdn.example.com/{n}/{view}.jpg" for view in range(3)]
    body: dict[str, Any] = {
        "title": f"Shirt {n}",
        "vendor": "Acme",
        "product_type": "Shirts",
        "tags": ["cotton", "summer", "sale"],
        "options": [{"name": "Size", "values": SIZES}, {"name": "Colour", "values": COLOURS}],
        "images": [{"src": src, "alt": f"view {view}"} for view, src in enumerate(images)],
        "metafields": [
            {"namespace": "custom", "key": f"k{key}", "type": "number_integer", "value": "1"}
            for key in range(3)
        ],
        "variants": [
            {
                "option_values": [size, colour],
                "price": "19.50",
                "sku": f"S{n}-{size}-{colour}",
                "inventory_quantity": 5,
                "weight_grams": 250,
                "image_src": images[0],
            }
            for size in SIZES
            for colour in COLOURS
        ],
    }
    return ProductCreate.model_validate(body)


async def _create(sessions: async_sessionmaker[AsyncSession], data: ProductCreate) -> None:
    async with sessions() as session, session.begin():
        await service.create(session, data, Actor(source=AuditSource.api))


async def run(url: str, creates: int) -> None:
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    print(f"{'shape':<34} {'creates':>8} {'cpu ms':>8} {'wall ms':>8} {'steal':>7}  load")
    for offset, (name, make) in enumerate((("1 variant", plain), ("12 variants, 3 images", shirt))):
        first = offset * 1_000_000
        for n in range(WARM_UP):
            await _create(sessions, make(first + creates + n))
        machine, cpu, wall = cpu_seconds(), time.process_time(), time.perf_counter()
        for n in range(creates):
            await _create(sessions, make(first + n))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        steal = steal_share(machine, cpu_seconds())
        print(
            f"{name:<34} {creates:>8} {cpu / creates * 1000:>8.2f} {wall / creates * 1000:>8.2f}"
            f" {'' if steal is None else f'{steal:.1%}':>7}  {os.getloadavg()[0]:.1f}"
        )
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--creates", type=int, default=300)
    parser.add_argument("--database-url", help="a PostgreSQL database to empty and use")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="create-bench-") as scratch:
        asyncio.run(run(fresh_database(args, Path(scratch)), args.creates))


if __name__ == "__main__":
    main()
