"""Time of a push's preview (dry run) over a catalog where every product changed, as a table.

Seeds a demo catalog (20,000 products by default) into a fresh, migrated SQLite database, records
it as pushed (each product's snapshot stored as its synced base, with a Shopify id), then changes
every product (title, and every variant's price up 10 %). The preview runs as the real `sync.push`
job with `dry_run` on the job runner: it compares each product with its stored base field by
field, writes one preview row per product and sums the changes up, without calling Shopify.
Printed: products, rows written, wall and CPU seconds, the machine's steal over the run, products
per second, peak memory, against a 10 s bar (the CPU time says what the wall time is on an idle
machine). `--runs N` previews N times in one process (each run a new job over the same changes),
a row each: the spread of one machine's load.

    .venv/bin/python bench/preview_bench.py [--products 20000] [--runs 1] [--db PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import psutil
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api_bench import cpu_seconds, steal_share
from product_dashboard import migrate
from product_dashboard.config import Settings
from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.demo import seed_demo_catalog
from product_dashboard.job import JobRunner
from product_dashboard.models import Job, JobResult, JobState, Product, ProductVariant
from product_dashboard.store_gateway import StoreGateway
from product_dashboard.sync import jobs
from product_dashboard.sync.job_types import PUSH_JOB, PushParams
from product_dashboard.sync.push.items import load_push_items
from product_dashboard.sync.runtime import SyncRuntime

BAR_SECONDS = 10.0
PAGE = 1000


async def record_as_pushed(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Every product's current snapshot becomes its synced base, as a push would store it."""
    after = 0
    while True:
        async with sessions() as session, session.begin():
            ids = list(
                await session.scalars(
                    select(Product.id).where(Product.id > after).order_by(Product.id).limit(PAGE)
                )
            )
            if not ids:
                return
            for item in await load_push_items(session, ids):
                await session.execute(
                    update(Product)
                    .where(Product.id == item.product_id)
                    .values(
                        synced_snapshot=json.loads(item.snapshot_json),
                        synced_hash=item.snapshot_hash,
                        synced_version=item.version,
                        shopify_product_id=f"gid://shopify/Product/{item.product_id}",
                    )
                )
            after = ids[-1]


async def change_everything(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        await session.execute(
            update(ProductVariant).values(price_cents=ProductVariant.price_cents * 11 // 10)
        )
        await session.execute(
            update(Product).values(title=Product.title + " (new)", version=Product.version + 1)
        )


class Row(NamedTuple):
    rows: int
    price_changes: int
    seconds: float
    cpu_seconds: float
    steal: float | None
    peak: int
    rss_before: int


async def preview_once(runner: JobRunner, sessions: async_sessionmaker[AsyncSession]) -> Row:
    """One `sync.push` dry run on the runner, timed from its submission to its end."""
    process = psutil.Process()
    rss_before = process.memory_info().rss
    peak = rss_before
    ticks = cpu_seconds()
    started = time.perf_counter()
    cpu = time.process_time()
    job_id = await runner.submit(PUSH_JOB.name, PushParams(dry_run=True).to_json())
    while True:
        peak = max(peak, process.memory_info().rss)
        async with sessions() as session:
            job = await session.get(Job, job_id)
            assert job is not None
            if JobState(job.state).is_final:
                break
        await asyncio.sleep(0.05)
    seconds = time.perf_counter() - started
    cpu_seconds_used = time.process_time() - cpu
    steal = steal_share(ticks, cpu_seconds())
    assert job.state == JobState.completed, job.error
    async with sessions() as session:
        rows = int(
            await session.scalar(
                select(func.count()).select_from(JobResult).where(JobResult.job_id == job_id)
            )
            or 0
        )
    counts = (job.report or {})["preview"]["counts"]
    price_changes = sum(counts["fields"].get("variants.price", {}).values())
    return Row(rows, price_changes, seconds, cpu_seconds_used, steal, peak, rss_before)


async def run(url: str, products: int, runs: int) -> None:
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    measured: list[Row] = []
    try:
        async with sessions() as session:
            present = int(await session.scalar(select(func.count(Product.id))) or 0)
        if present < products:
            started = time.perf_counter()
            await seed_demo_catalog(engine, products - present, seed=1)
            await record_as_pushed(sessions)
            print(f"Seeded and recorded as pushed in {time.perf_counter() - started:.1f} s")
        await change_everything(sessions)

        settings = Settings(
            _env_file=None, environment="test", database_url=url, jwt_secret="b" * 40
        )
        holder = FastAPI()
        holder.state.sessionmaker = sessions
        runtime = SyncRuntime(
            app=holder, settings=settings, gateway=StoreGateway.from_settings(settings)
        )
        runner = JobRunner()
        jobs.register(runner, runtime)
        await runner.start(sessions)
        try:
            for _ in range(runs):
                measured.append(await preview_once(runner, sessions))
        finally:
            await runner.close()
    finally:
        await engine.dispose()
    print()
    header = ["products changed", "preview rows", "price changes", "seconds", "CPU seconds"]
    header += ["steal", "products/s", "peak RSS", "bar"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---:|" * (len(header) - 1) + "---|")
    for row in measured:
        verdict = "ok" if row.seconds <= BAR_SECONDS else "SLOW"
        cells = [f"{products:,}", f"{row.rows:,}", f"{row.price_changes:,}"]
        cells += [f"{row.seconds:.2f}", f"{row.cpu_seconds:.2f}"]
        cells.append("-" if row.steal is None else f"{row.steal:.0%}")
        cells += [
            f"{products / row.seconds:,.0f}",
            f"{row.peak / 2**20:,.0f} MiB (+{(row.peak - row.rss_before) / 2**20:,.0f})",
            f"≤ {BAR_SECONDS:g} s: {verdict}",
        ]
        print("| " + " | ".join(cells) + " |")
    print(f"\nload average {' / '.join(f'{x:.1f}' for x in psutil.getloadavg())} (1/5/15 min)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp()) / "preview-bench.db"
    url = f"sqlite+aiosqlite:///{path}"
    migrate.upgrade(url)  # runs its own event loop
    asyncio.run(run(url, args.products, args.runs))


if __name__ == "__main__":
    main()
