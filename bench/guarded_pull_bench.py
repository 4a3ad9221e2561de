"""A guarded pull that no rule holds, reading Shopify twice (its preview's read, then its own)
against once (the pull applying what its preview read, `sync.pull.kept`), alternated, as a table.

    .venv/bin/python bench/guarded_pull_bench.py [--products 500] [--rounds 2]
        [--plan standard] [--bulk-rate 20 --bulk-startup 5]

The emulator runs in its own process (`sync_bench.Emulator`). `--store demo` (the default): the
demo catalog (`seed_demo_catalog`, as `./start_dashboard.sh` seeds it: 500 products, ~5.9 variants
each) in a temporary SQLite database, pushed in bulk to the empty store (unpaced); `--store seed`:
the emulator's own generator (1-6 variants a product), linked by a full pull. Then the Standard
plan with Shopify's bulk timing (the emulator's realistic default: 20 lines/s per operation after
a 5 s start-up). Each round starts from the state a push leaves (every product linked, no pull
yet: the pull cursor removed) and runs what the `sync.pull` job's handler runs for a guarded pull
not held: the preview (`preview_report`, a bulk export of every product)
then the pull (`PullEngine.run`, a full pull) given the preview's read or not. Printed per run:
seconds, bulk query operations started, our CPU and the emulator's, the machine's busy and steal
shares and its load average over the run.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete

from product_dashboard import migrate
from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.demo import seed_demo_catalog
from product_dashboard.models import InboundCursor, Job, JobState
from product_dashboard.safety.guards import GuardRules
from product_dashboard.store_gateway import StoreAccess, StoreGateway
from product_dashboard.sync.job_types import PULL_JOB
from product_dashboard.sync.pull.cursor import PULL_CURSOR
from product_dashboard.sync.pull.engine import PullEngine, PullParams
from product_dashboard.sync.pull.preview import preview_report
from product_dashboard.sync.push.modes import PushMode
from product_dashboard.sync.push.planner import PushScope
from pull_bench import committing
from sync_bench import TOKEN, Emulator, MachineLoad
from sync_bench import run as push_run

EXPORTS = '{ bulkOperations(first: 250, query: "operation_type:query") { nodes { id } } }'


@dataclass
class Row:
    name: str
    products: int
    seconds: float
    preview_seconds: float
    operations: int
    our_cpu: float
    emulator_cpu: float
    load: MachineLoad
    outcomes: dict[str, int]


async def _operations(url: str) -> int:
    client = StoreGateway(StoreAccess(url, TOKEN, timeout_seconds=60.0)).client()
    try:
        response = await client.execute(EXPORTS)
        return len(response.data["bulkOperations"]["nodes"])
    finally:
        await client.aclose()


async def first_pull(url: str, emulator: Emulator) -> None:
    engine = create_engine(url)
    client = StoreGateway(StoreAccess(emulator.url, TOKEN, timeout_seconds=120.0)).client()
    try:
        sessions = committing(create_sessionmaker(engine))
        await PullEngine(sessions, client, ConflictEvents(None)).run(PullParams("full"))
    finally:
        await client.aclose()
        await engine.dispose()


async def push_demo(url: str, emulator: Emulator, products: int) -> None:
    """The demo catalog seeded here and pushed in bulk to the emptied store."""
    engine = create_engine(url)
    try:
        await seed_demo_catalog(engine, products, seed=1)
        await push_run(
            "bulk push of the demo catalog",
            emulator,
            create_sessionmaker(engine),
            PushMode.bulk,
            PushScope(),
            latency_ms=0,
            dialect=engine.dialect.name,
        )
    finally:
        await engine.dispose()


async def guarded_pull(name: str, url: str, emulator: Emulator, *, once: bool, n: int) -> Row:
    engine = create_engine(url)
    maker = create_sessionmaker(engine)
    sessions = committing(maker)
    job_id = f"bench-{n}"
    async with sessions() as session:
        await session.execute(delete(InboundCursor).where(InboundCursor.name == PULL_CURSOR))
        session.add(Job(id=job_id, type=PULL_JOB.name, state=JobState.running))
    before = await _operations(emulator.url)
    client = StoreGateway(StoreAccess(emulator.url, TOKEN, timeout_seconds=120.0)).client()
    emulator_cpu = emulator.cpu_seconds()
    our_cpu = time.process_time()
    load = MachineLoad()
    started = time.perf_counter()
    try:
        rules = GuardRules(block_deletions=True)
        preview, read = await preview_report(sessions, client, job_id, rules)
        assert not preview.held_by
        previewed = time.perf_counter() - started
        pull = PullEngine(sessions, client, ConflictEvents(None))
        report = await pull.run(PullParams(), preview=read if once else None)
        seconds = time.perf_counter() - started
        assert report.reused_preview == once
    finally:
        await client.aclose()
        await engine.dispose()
    return Row(
        name,
        report.seen,
        seconds,
        previewed,
        await _operations(emulator.url) - before,
        time.process_time() - our_cpu,
        emulator.cpu_seconds() - emulator_cpu,
        load.stop(),
        dict(report.outcomes),
    )


def print_table(rows: list[Row]) -> None:
    print(
        f"{'run':<34} {'products':>8} {'seconds':>8} {'preview s':>9} {'bulk ops':>8} "
        f"{'our CPU s':>9} {'emu CPU s':>9}  machine"
    )
    for r in rows:
        print(
            f"{r.name:<34} {r.products:>8} {r.seconds:>8.1f} {r.preview_seconds:>9.1f} "
            f"{r.operations:>8} {r.our_cpu:>9.2f} {r.emulator_cpu:>9.2f}  {r.load}  {r.outcomes}"
        )


def main(args: argparse.Namespace) -> None:
    emulator = Emulator()
    rows: list[Row] = []
    scratch = tempfile.TemporaryDirectory(prefix="guarded-pull-bench-")
    try:
        unpaced = {"bulk_rate": 0.0, "bulk_startup_seconds": 0.0}
        emulator.knob("config", {"plan": "unlimited", "latency_ms": 0, **unpaced})
        url = f"sqlite+aiosqlite:///{Path(scratch.name) / 'bench.db'}"
        migrate.upgrade(url)
        if args.store == "demo":
            asyncio.run(push_demo(url, emulator, args.products))
        else:
            emulator.knob("seed", {"products": args.products, "seed": 7})
            asyncio.run(first_pull(url, emulator))
        timing = {"bulk_rate": args.bulk_rate, "bulk_startup_seconds": args.bulk_startup}
        emulator.knob("config", {"plan": args.plan, "latency_ms": 0, **timing})
        stats = emulator.knob("stats")
        print(
            f"{args.store} store: {stats['products']} products, {stats['variants']} variants; "
            f"plan {args.plan}; bulk {args.bulk_rate:g} lines/s per operation after "
            f"{args.bulk_startup:g} s start-up"
        )
        n = 0
        for round_ in range(args.rounds):
            for once in (False, True):
                n += 1
                name = f"{'read once ' if once else 'read twice'} (round {round_ + 1})"
                rows.append(asyncio.run(guarded_pull(name, url, emulator, once=once, n=n)))
                print_table(rows[-1:])
    finally:
        emulator.close()
        scratch.cleanup()
    print()
    print_table(rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--store", choices=("demo", "seed"), default="demo")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--plan", default="standard")
    parser.add_argument("--bulk-rate", type=float, default=20.0)
    parser.add_argument("--bulk-startup", type=float, default=5.0)
    main(parser.parse_args())
