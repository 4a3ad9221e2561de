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
- `again`: after `full`, a full pull of the same store again (every product unchanged: only
  its quantities compared with the last report and its levels' stamps moved);
- `incremental`: after `full`, 1% of the store's products edited there, then an incremental pull;
- `push`: after `full`, the same catalog pushed back in bulk to an emptied store
  (`sync_bench.run`), for the two directions side by side;
- `detect`: after `full` (and `incremental`, when run), 1% of the store's products edited there,
  then the `conflicts.detect` job over every linked product (as `POST /api/conflicts/detect`
  starts it: a job runner in this process, the app's results recorder); its failures are
  printed with their reasons;
- `drain`: `--events` products/update deliveries (webhook_bench's bodies, over `--event-products`
  products) stored, then drained by the webhook processor in this process;
- `levels`: after `full`, `--level-events` inventory_levels/update deliveries over the catalog's
  levels (three a level, one of them stale; one in `--level-held`, default 10, for an item not
  linked: held) stored, then drained by the webhook processor in this process
  (`--level-repeats` runs each way).

`--compare` runs `full`, `incremental`, `drain` and `levels` twice: each product (each event)
alone (before #17) and set-based (a chunk's products together, a webhook batch's updates
together, its level events together).

Per run: products (events for `drain` and `levels`), seconds, products/s, bulk operations, CPU
ms per product of this process (our engine and database) and of the emulator, and the machine's
steal (the share of CPU time its hypervisor gave to others: high means the figures are low).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import webhook_bench
from api_bench import cpu_seconds, steal_share
from product_dashboard import migrate
from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.inbound import processor as processor_module
from product_dashboard.inbound.batch import Split
from product_dashboard.inbound.detect import DETECT_JOB, DetectJob, DetectReport, run_detect_job
from product_dashboard.inbound.processor import WebhookProcessor
from product_dashboard.inbound.write_lock import PriorityWriteLock
from product_dashboard.inventory.inbound import TOPIC as LEVEL_TOPIC
from product_dashboard.job import service as job_service
from product_dashboard.job.runner import JobRunner
from product_dashboard.kit.gc_policy import freeze_long_lived_heap
from product_dashboard.models import (
    InventoryLevel,
    JobState,
    Location,
    ProductVariant,
    WebhookEvent,
)
from product_dashboard.shopify.bulk import MAX_BULK_OPERATIONS
from product_dashboard.store_gateway import StoreAccess, StoreGateway
from product_dashboard.sync.check_results import CheckResults
from product_dashboard.sync.pull.create_many import create_many
from product_dashboard.sync.pull.engine import PullEngine, PullParams, PullReport
from product_dashboard.sync.push.modes import PushMode
from product_dashboard.sync.push.planner import PushScope
from sync_bench import BULK_TIMING, TOKEN, Emulator
from sync_bench import print_table as print_push_table
from sync_bench import run as push_run

RUNS = ("slots", "full", "again", "incremental", "detect", "push", "drain", "levels")


@dataclass
class Row:
    name: str
    products: int
    seconds: float
    our_cpu: float
    emulator_cpu: float
    steal: float | None
    operations: int = 0
    failed: int = 0

    @classmethod
    def of_pull(
        cls, name: str, report: PullReport, seconds: float, our_cpu: float, emu: float, steal: Any
    ) -> Row:
        operations = len((report.bulk or {}).get("operations", []))
        failed = report.outcomes.get("error", 0)
        return cls(name, report.seen, seconds, our_cpu, emu, steal, operations, failed)


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


def fresh_database(args: argparse.Namespace, scratch: Path) -> str:
    """The given PostgreSQL database emptied, or a new SQLite file under `scratch`."""
    if args.database_url:
        asyncio.run(empty_database(args.database_url))
        url: str = args.database_url
    else:
        url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp(dir=scratch)) / 'bench.db'}"
    migrate.upgrade(url)  # runs its own event loop
    return url


async def pull(name: str, url: str, emulator: Emulator, params: PullParams) -> Row:
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    client = StoreGateway(StoreAccess(emulator.url, TOKEN, timeout_seconds=120.0)).client()
    emulator_cpu = emulator.cpu_seconds()
    our_cpu = time.process_time()
    machine = cpu_seconds()
    started = time.perf_counter()
    try:
        report = await PullEngine(committing(sessions), client, ConflictEvents(None)).run(params)
    finally:
        await client.aclose()
        await engine.dispose()
    row = Row.of_pull(
        name,
        report,
        time.perf_counter() - started,
        time.process_time() - our_cpu,
        emulator.cpu_seconds() - emulator_cpu,
        steal_share(machine, cpu_seconds()),
    )
    print_table([row])
    return row


async def detect(name: str, url: str, emulator: Emulator) -> Row:
    """The `conflicts.detect` job over every linked product, run by a job runner here."""
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    client = StoreGateway(StoreAccess(emulator.url, TOKEN, timeout_seconds=120.0)).client()
    runner = JobRunner()

    async def handler(job: DetectJob) -> DetectReport:
        return await run_detect_job(
            job, client, ConflictEvents(None), by_id_up_to=0, recorder=CheckResults(job.job_id)
        )

    DETECT_JOB.register(runner, handler, concurrency=1)
    emulator_cpu = emulator.cpu_seconds()
    our_cpu = time.process_time()
    machine = cpu_seconds()
    started = time.perf_counter()
    await runner.start(sessions)
    try:
        job_id = await runner.submit(DETECT_JOB.name, {})
        while True:
            await asyncio.sleep(0.2)
            async with sessions() as session:
                job = await job_service.get(session, job_id)
                if JobState(job.state).is_final:
                    break
        seconds = time.perf_counter() - started
    finally:
        await runner.close()
        await client.aclose()
        await engine.dispose()
    report = DetectReport.model_validate(job.report or {"outcomes": {}, "conflicts": []})
    print(f"detect job {job.state}: {report.outcomes}")
    for error in report.errors:
        print(f"  failed: product {error['product_id']} {error['shopify_id']}: {error['error']}")
    row = Row(
        name,
        report.checked,
        seconds,
        time.process_time() - our_cpu,
        emulator.cpu_seconds() - emulator_cpu,
        steal_share(machine, cpu_seconds()),
        operations=len(report.bulk or []),
        failed=report.failed,
    )
    print_table([row])
    return row


async def drain(
    name: str, url: str, args: argparse.Namespace, *, set_based: bool, first: int = 0
) -> Row:
    """Store `--events` products/update deliveries (body numbers from `first` on), then time the
    processor draining them."""
    webhook_bench.PRODUCTS = args.event_products
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    async with sessions() as session, session.begin():
        await session.execute(delete(WebhookEvent))
        for index in range(first, first + args.events):
            at = f"2027-01-01T{index // 3600:02d}:{index // 60 % 60:02d}:{index % 60:02d}+00:00"
            session.add(webhook_bench.stored_update(f"drain-{index}", index, at))
    return await _timed_drain(name, args.events, engine, set_based=set_based, creates=set_based)


async def drain_levels(
    name: str, url: str, args: argparse.Namespace, *, set_based: bool, first: int = 0
) -> Row:
    """Store `--level-events` inventory_levels/update deliveries over the pulled catalog's levels
    (three a level, the second older than the first on Shopify's clock: stale; one in
    `--level-held` of an item not linked here: held), then time the processor draining them."""
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    async with sessions() as session, session.begin():
        await session.execute(delete(WebhookEvent))
        rows = await session.execute(
            select(ProductVariant.shopify_inventory_item_id, Location.shopify_location_id)
            .join(InventoryLevel, InventoryLevel.variant_id == ProductVariant.id)
            .join(Location, Location.id == InventoryLevel.location_id)
            .where(ProductVariant.shopify_inventory_item_id.is_not(None))
            .order_by(InventoryLevel.id)
        )
        levels = [(str(item), str(location)) for item, location in rows]
        base = datetime(2027, 1, 1, tzinfo=UTC) + timedelta(hours=first)
        for index in range(args.level_events):
            item, location = levels[index // 3 % len(levels)]
            if args.level_held and index % args.level_held == args.level_held - 1:
                item = f"gid://shopify/InventoryItem/{9_000_000_000 + index}"
            at = base + timedelta(seconds=index - 2 * (index % 3 == 1))
            body = {
                "inventory_item_id": int(item.rsplit("/", 1)[1]),
                "location_id": int(location.rsplit("/", 1)[1]),
                "available": index % 50,
                "updated_at": at.isoformat(),
            }
            session.add(
                WebhookEvent(
                    webhook_id=f"level-{first}-{index}", topic=LEVEL_TOPIC, body=json.dumps(body)
                )
            )
    return await _timed_drain(name, args.level_events, engine, set_based=set_based)


async def _timed_drain(
    name: str, count: int, engine: AsyncEngine, *, set_based: bool, creates: bool = False
) -> Row:
    """The stored events drained by a webhook processor as the app runs it (`creates`: new
    products created together); its row (failed: the events dead), the outcomes printed."""
    sessions = create_sessionmaker(engine)
    sqlite = engine.dialect.name == "sqlite"  # as the app runs it (inbound.service)
    processor = WebhookProcessor(
        sessions,
        None,
        write_lock=PriorityWriteLock() if sqlite else None,
        create_many=create_many if creates else None,
    )
    our_cpu = time.process_time()
    machine = cpu_seconds()
    started = time.perf_counter()
    try:
        with contextlib.ExitStack() as stack:
            if not set_based:
                stack.enter_context(_one_by_one())
            while await processor.run_once():
                pass
        seconds, cpu = time.perf_counter() - started, time.process_time() - our_cpu
        steal = steal_share(machine, cpu_seconds())
        async with sessions() as session:
            outcomes = {
                str(outcome): int(total)
                for outcome, total in await session.execute(
                    select(WebhookEvent.outcome, func.count()).group_by(WebhookEvent.outcome)
                )
            }
    finally:
        await engine.dispose()
    print(f"{name}: outcomes {outcomes}")
    row = Row(name, count, seconds, cpu, 0.0, steal, failed=outcomes.get("dead", 0))
    print_table([row])
    return row


@contextlib.contextmanager
def _one_by_one() -> Iterator[None]:
    """The processor as before #17: every event of a batch alone."""
    original = processor_module.split
    processor_module.split = lambda claimed: Split(alone=list(claimed))
    try:
        yield
    finally:
        processor_module.split = original


def print_table(rows: list[Row]) -> None:
    header = (
        f"{'run':<48} {'products':>8} {'seconds':>8} {'prod/s':>8} {'bulk ops':>8} "
        f"{'failed':>6} {'cpu ms/prod':>11} {'emu cpu ms/prod':>15} {'steal':>6}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        n = max(1, row.products)
        steal = f"{100 * row.steal:>5.1f}%" if row.steal is not None else f"{'-':>6}"
        print(
            f"{row.name:<48} {row.products:>8} {row.seconds:>8.2f} "
            f"{row.products / row.seconds:>8.1f} {row.operations:>8} {row.failed:>6} "
            f"{1000 * row.our_cpu / n:>11.2f} {1000 * row.emulator_cpu / n:>15.2f} {steal}"
        )


def main(args: argparse.Namespace) -> None:
    wanted = set(args.only.split(",")) if args.only else set(RUNS)
    freeze_long_lived_heap()  # as the dashboard does once it has started (and sync_bench)
    emulator = Emulator()
    rows: list[Row] = []
    scratch_dir = tempfile.TemporaryDirectory(prefix="pull-bench-")  # each run's SQLite files
    scratch = Path(scratch_dir.name)
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
                url = fresh_database(args, scratch)
                label = f"full pull, {slots} slot{'s' if slots > 1 else ''}"
                rows.append(
                    asyncio.run(pull(label, url, emulator, PullParams("full", bulk_slots=slots)))
                )
        for set_based in (False, True) if args.compare else (True,):
            way = ("set-based" if set_based else "one by one") if args.compare else ""
            if wanted & {"full", "again", "incremental", "detect", "drain", "push", "levels"}:
                url = fresh_database(args, scratch)
                full = PullParams("full", set_based=set_based)
                rows.append(asyncio.run(pull(f"full pull, 5 slots {way}", url, emulator, full)))
            if "again" in wanted:
                name = f"full pull again, all unchanged {way}"
                rows.append(asyncio.run(pull(name, url, emulator, full)))
            if "incremental" in wanted:
                changed = ids[: max(1, count // 100)]
                vendor = f"Changed There {set_based}"
                for shopify_id in changed:
                    emulator.knob(f"products/{shopify_id}/edit", {"vendor": vendor})
                time.sleep(1.1)  # Shopify's search is by the second
                name = f"incremental pull, {len(changed)} changed (1%) {way}"
                params = PullParams("incremental", set_based=set_based)
                rows.append(asyncio.run(pull(name, url, emulator, params)))
            if "detect" in wanted:
                edited = ids[-max(1, count // 100) :]
                for shopify_id in edited:
                    emulator.knob(f"products/{shopify_id}/edit", {"vendor": f"Detect {set_based}"})
                name = f"detect, {len(edited)} changed there (1%) {way}"
                rows.append(asyncio.run(detect(name, url, emulator)))
            if "drain" in wanted:
                over = f"{args.events} events, {args.event_products} products"
                name = f"drain {over}, new {way}"
                rows.append(asyncio.run(drain(name, url, args, set_based=set_based)))
                name = f"drain {over}, known {way}"
                again = drain(name, url, args, set_based=set_based, first=args.events)
                rows.append(asyncio.run(again))
            if "levels" in wanted and args.level_events:
                for repeat in range(args.level_repeats):
                    name = f"drain {args.level_events} level events {way}"
                    hours = 2 * repeat + set_based  # each run newer than the one before
                    levels = drain_levels(name, url, args, set_based=set_based, first=hours)
                    rows.append(asyncio.run(levels))
        if "push" in wanted:
            pushed = asyncio.run(push_back(url, emulator, args))
    finally:
        emulator.close()
        scratch_dir.cleanup()
    print()
    print_table(rows)
    print("load average (1, 5, 15 min): " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
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
    parser.add_argument("--compare", action="store_true", help="one by one, then set-based")
    parser.add_argument("--events", type=int, default=847, help="drain: deliveries stored")
    parser.add_argument("--event-products", type=int, default=847, help="drain: over so many")
    parser.add_argument("--level-events", type=int, default=2673, help="levels: events stored")
    parser.add_argument("--level-repeats", type=int, default=1, help="levels: runs each way")
    parser.add_argument(
        "--level-held", type=int, default=10, help="levels: one in N held (0: none)"
    )
    main(parser.parse_args())
