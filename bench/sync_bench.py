"""Push benchmark: each sync mode against the store emulator, side by side.

    .venv/bin/python bench/sync_bench.py [--products 2000] [--sequential 100]
        [--bulk-products 20000] [--standard-products 900] [--only batch,bulk] [--profile]
        [--bulk-rate 20 --bulk-startup 5] [--slots-products 2000] [--auto-products 500]
        [--inventory-products 1000]

The emulator runs in its own process (its own core; GC tuned as `shopify-emulator serve` does) on
a loopback port; the catalog is a temporary SQLite database seeded with the demo generator. Per
run it prints products, seconds, products/s, HTTP requests and cost points per product (the
emulator's own counters), throttled responses, the worker range, and the share of the plan's
ceiling used: actual cost points per second / restore rate, measured from the moment the initial
bucket has drained (n/a when it never drains, as on the unlimited plan), and CPU milliseconds per
product spent by this process (the engine) and by the emulator process (the simulated Shopify).

Bulk runs set the emulator's `bulk_rate` knob to 0 (no simulated lines/s limit: lines run as fast
as the emulator process computes them; the default simulates 2,000 lines/s), which the output
states. `--only` picks runs (sequential, parallel, batch, bulk, resync, noop, standard, slots,
auto, inventory); `--profile` prints a cProfile of the engine for each run.

`inventory` pushes `--inventory-products` in batch three times: to a fresh store (every quantity
is sent, each after reading Shopify's), after content edits with stock unchanged (no quantity
sent), and after stock-only edits (quantities only, no productSet).

`slots` pushes `--slots-products` in bulk with one bulk slot, then with five (Shopify's per-shop
limit), and prints them side by side: wall time, products/s, CPU seconds of the engine and of the
emulator, the machine's load over the run (CPU busy and steal shares from /proc/stat, load
average), Shopify's idle time before the first operation, between operations and after the last
one, slot-seconds left unused while any operation ran, and the ratio of the two runs; `auto`
pushes `--auto-products` on the Standard plan in batch, in bulk and in auto mode (which one
auto picked is in the row's name). Both mean something only with Shopify's bulk timing
(`--bulk-rate 20 --bulk-startup 5`); the engine is told the same timing, so auto's rule
estimates with it. At a tenth of the products, `--bulk-startup 0.5` keeps the start-up's share
of each operation (the rate, Shopify's per line, stays 20). The table of auto's picks at 100,
1,000 and 20,000 products on Standard and Plus (by `modes.choose_mode`, the rule) is printed
first.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, update

from product_dashboard import migrate
from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.demo import seed_demo_catalog
from product_dashboard.kit.gc_policy import freeze_long_lived_heap
from product_dashboard.models import InventoryLevel, Product, ProductVariant
from product_dashboard.store_gateway import StoreAccess, StoreGateway
from product_dashboard.sync.push.bulk import BulkStatus
from product_dashboard.sync.push.engine import PushConfig, PushEngine, PushHooks, PushReport
from product_dashboard.sync.push.modes import (
    BulkTiming,
    PushMode,
    batch_seconds,
    bulk_seconds,
    choose_mode,
)
from product_dashboard.sync.push.planner import PushScope
from shopify_emulator.config import (
    REALISTIC_BULK_RATE,
    REALISTIC_BULK_STARTUP_SECONDS,
)
from shopify_emulator.testing import free_port

TOKEN = "shpat_bench"
PROFILE: dict[str, bool] = {}
# The emulator's simulated bulk timing: lines/s per operation and start-up seconds per operation
# (realistic by default, emulator/README.md); `--bulk-rate 0 --bulk-startup 0` (the default here)
# lifts it so lines run as fast as the emulator process computes them (its real CPU cost).
BULK_TIMING = {"bulk_rate": 0.0, "bulk_startup_seconds": 0.0}
RUNS = (
    "sequential",
    "parallel",
    "batch",
    "bulk",
    "resync",
    "noop",
    "standard",
    "slots",
    "auto",
    "inventory",
)
REPO = Path(__file__).resolve().parents[1]
EMULATOR = """
import sys, uvicorn
from shopify_emulator.app import create_app
from shopify_emulator.config import EmulatorConfig, Plan
from shopify_emulator.gc_tuning import tune_for_server
tune_for_server()  # as `shopify-emulator serve` does
port = int(sys.argv[1])
config = EmulatorConfig(plan=Plan.UNLIMITED, access_token=sys.argv[2],
                        public_base_url=f"http://127.0.0.1:{port}")
uvicorn.run(create_app(config), host="127.0.0.1", port=port, log_level="warning",
            access_log=False)
"""


@dataclass
class Row:
    name: str
    report: PushReport
    products: int
    seconds: float
    http_requests: int
    cost_points: int
    throttled: int
    mutations: int
    ceiling_share: float | None
    our_cpu: float
    emulator_cpu: float
    timeline: BulkTimeline | None = None
    load: MachineLoad | None = None


class MachineLoad:
    """The whole machine's CPU over a run (/proc/stat): busy and steal shares, load average."""

    def __init__(self) -> None:
        self._start = self._read()
        self.busy = self.steal = 0.0
        self.load_average = 0.0

    @staticmethod
    def _read() -> list[int]:
        return [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]

    def stop(self) -> MachineLoad:
        delta = [b - a for a, b in zip(self._start, self._read(), strict=True)]
        total = max(1, sum(delta))
        idle = delta[3] + delta[4]  # idle, iowait
        self.busy, self.steal = 1 - idle / total, delta[7] / total
        self.load_average = os.getloadavg()[0]
        return self

    def __str__(self) -> str:
        return (
            f"CPU busy {self.busy:.0%}, steal {self.steal:.1%}, "
            f"load {self.load_average:.1f} on {os.cpu_count()} cores"
        )


class Emulator:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        source = os.pathsep.join(str(REPO / path) for path in ("src", "emulator/src"))
        env = {**os.environ, "PYTHONPATH": source}
        self.process = subprocess.Popen(
            [sys.executable, "-c", EMULATOR, str(self.port), TOKEN], env=env
        )
        self.http = httpx.Client(
            base_url=self.url, headers={"X-Shopify-Access-Token": TOKEN}, timeout=60
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if self.http.get("/_emulator/health").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("emulator did not start")
            time.sleep(0.1)

    def knob(self, name: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = (
            self.http.get(f"/_emulator/{name}")
            if body is None
            else self.http.post(f"/_emulator/{name}", json=body)
        )
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def cpu_seconds(self) -> float:
        """User + system CPU time the emulator process has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        self.http.close()
        self.process.terminate()
        self.process.wait(10)


class Sampler:
    """Samples the emulator's spent points and bucket level to find the post-drain rate."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.samples: list[tuple[float, float, float, float]] = []
        self._task: asyncio.Task[None] | None = None

    async def _loop(self) -> None:
        async with httpx.AsyncClient(
            base_url=self.emulator.url, headers={"X-Shopify-Access-Token": TOKEN}
        ) as http:
            while True:
                stats = (await http.get("/_emulator/stats")).json()
                status = stats["throttle_status"]
                self.samples.append(
                    (
                        time.monotonic(),
                        float(stats["cost_points_spent"]),
                        float(status["currentlyAvailable"]),
                        float(status["maximumAvailable"]),
                    )
                )
                await asyncio.sleep(0.5)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self, restore_rate: float) -> float | None:
        if self._task is not None:
            self._task.cancel()
        drained = [s for s in self.samples if s[2] < 0.1 * s[3]]
        if not drained:
            return None
        start, end = drained[0], self.samples[-1]
        if end[0] - start[0] < 5:
            return None
        return (end[1] - start[1]) / (end[0] - start[0]) / restore_rate


class BulkTimeline(PushHooks):
    """When the engine first and last saw each bulk operation (polls, so ±poll interval)."""

    def __init__(self) -> None:
        self.seen: dict[str, float] = {}
        self.done: dict[str, float] = {}
        self.started = self.ended = 0.0

    async def on_bulk_status(self, status: BulkStatus) -> None:
        now = time.perf_counter()
        self.seen.setdefault(status.id, now)
        if status.done:
            self.done.setdefault(status.id, now)

    def idle(self, started: float, ended: float) -> tuple[float, float, float]:
        """Shopify's idle seconds before the first operation, between operations (no operation
        running), after the last one."""
        spans = sorted((at, self.done.get(key, at)) for key, at in self.seen.items())
        if not spans:
            return (ended - started, 0.0, 0.0)
        gaps, reach = 0.0, spans[0][1]
        for start, end in spans[1:]:
            gaps += max(0.0, start - reach)
            reach = max(reach, end)
        return (spans[0][0] - started, gaps, ended - reach)

    def unused_slot_seconds(self, slots: int) -> float:
        """Slot-seconds no operation used between the first start and the last end."""
        spans = [(at, self.done.get(key, at)) for key, at in self.seen.items()]
        if not spans:
            return 0.0
        first, last = min(a for a, _ in spans), max(b for _, b in spans)
        return max(0.0, slots * (last - first) - sum(b - a for a, b in spans))

    def summary(self, started: float, ended: float) -> str:
        before, between, after = self.idle(started, ended)
        return (
            f"bulk timeline: {len(self.seen)} operations; Shopify idle {before:.2f} s "
            f"before the first, {between:.2f} s between, {after:.2f} s after the last"
        )


async def reset_sync_state(sessionmaker: Any) -> None:
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Product).values(
                synced_version=None,
                synced_hash=None,
                synced_snapshot=None,
                synced_at=None,
                sync_error=None,
                shopify_product_id=None,
            )
        )
        await session.execute(
            update(ProductVariant).values(shopify_variant_id=None, shopify_inventory_item_id=None)
        )
        # The store was emptied: what it held at each location is unknown again.
        await session.execute(
            update(InventoryLevel).values(shopify_available=None, shopify_seen_at=None)
        )


async def run(
    name: str,
    emulator: Emulator,
    sessionmaker: Any,
    mode: PushMode,
    scope: PushScope,
    *,
    plan: str = "unlimited",
    latency_ms: float = 50.0,
    reset: bool = True,
    bulk_slots: int = 5,
    dialect: str = "sqlite",
) -> Row:
    if reset:
        emulator.knob("reset", {})
        await reset_sync_state(sessionmaker)
    config = emulator.knob("config", {"plan": plan, "latency_ms": latency_ms, **BULK_TIMING})
    before = emulator.knob("stats")
    sampler = Sampler(emulator)
    sampler.start()
    # The store was reset: a gateway of its own gives the run a fresh pacer and breaker.
    client = StoreGateway(StoreAccess(emulator.url, TOKEN, timeout_seconds=60.0)).client()
    emulator_cpu = emulator.cpu_seconds()
    our_cpu = time.process_time()
    profiler = cProfile.Profile() if PROFILE.get("enabled") else None
    timeline = BulkTimeline()
    load = MachineLoad()
    started = time.perf_counter()
    try:
        engine = PushEngine(
            sessionmaker,
            client,
            dialect=dialect,
            config=PushConfig(
                bulk_poll_interval=0.1,
                bulk_slots=bulk_slots,
                # auto's estimate of bulk time uses the timing the emulator simulates
                bulk_lines_per_second=BULK_TIMING["bulk_rate"] or 1e9,
                bulk_startup_seconds=BULK_TIMING["bulk_startup_seconds"],
            ),
            hooks=timeline,
        )
        if profiler is not None:
            profiler.enable()
        report = await engine.run(scope, mode)
    finally:
        if profiler is not None:
            profiler.disable()
        await client.aclose()
    ended = time.perf_counter()
    load.stop()
    seconds = ended - started
    timeline.started, timeline.ended = started, ended
    if timeline.seen:
        print(timeline.summary(started, ended))
    if profiler is not None:
        print(f"--- engine profile: {name}")
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("cumulative").print_stats(35)
        stats.sort_stats("tottime").print_stats(35)
    our_cpu = time.process_time() - our_cpu
    emulator_cpu = emulator.cpu_seconds() - emulator_cpu
    share = await sampler.stop(float(config["restore_rate"]))
    after = emulator.knob("stats")
    handled = report.pushed + report.deleted + report.failed + report.skipped
    if mode == PushMode.auto:
        name = f"{name} -> {report.mode}"
    return Row(
        name=name,
        report=report,
        products=handled,
        seconds=seconds,
        # GraphQL requests, plus the upload and the download of each bulk operation.
        http_requests=after["graphql_requests"]
        - before["graphql_requests"]
        + 2 * len((report.bulk or {}).get("operations", [])),
        cost_points=after["cost_points_spent"] - before["cost_points_spent"],
        throttled=after["throttled_responses"] - before["throttled_responses"],
        mutations=after["mutations"] - before["mutations"],
        ceiling_share=share,
        our_cpu=our_cpu,
        emulator_cpu=emulator_cpu,
        timeline=timeline,
        load=load,
    )


def print_slots(rows: list[Row], slots: tuple[int, ...]) -> None:
    """The one-slot and five-slot bulk runs side by side, and their ratio."""
    if len(rows) != len(slots):
        return
    width = 16
    print("\nbulk push, one slot vs five, side by side:")
    lines: list[tuple[str, list[str]]] = [("slots", [str(n) for n in slots])]

    def add(label: str, values: list[str]) -> None:
        lines.append((label, values))

    add("products", [str(r.products) for r in rows])
    add("failed", [str(r.report.failed) for r in rows])
    add("quantities sent", [str((r.report.inventory or {}).get("sent", "-")) for r in rows])
    add("parts (operations)", [str(len(r.timeline.seen)) if r.timeline else "-" for r in rows])
    add("wall seconds", [f"{r.seconds:.1f}" for r in rows])
    add("products/s", [f"{r.products / r.seconds:.1f}" for r in rows])
    add("engine CPU s", [f"{r.our_cpu:.1f}" for r in rows])
    add("engine CPU ms/prod", [f"{1000 * r.our_cpu / max(1, r.products):.2f}" for r in rows])
    add("emulator CPU s", [f"{r.emulator_cpu:.1f}" for r in rows])
    add("machine CPU busy", [f"{r.load.busy:.0%}" if r.load else "-" for r in rows])
    add("machine CPU steal", [f"{r.load.steal:.1%}" if r.load else "-" for r in rows])
    add("load average (1 min)", [f"{r.load.load_average:.1f}" if r.load else "-" for r in rows])
    idles = [r.timeline.idle(r.timeline.started, r.timeline.ended) for r in rows if r.timeline]
    if len(idles) == len(rows):
        add("Shopify idle before s", [f"{i[0]:.2f}" for i in idles])
        add("Shopify idle between s", [f"{i[1]:.2f}" for i in idles])
        add("Shopify idle after s", [f"{i[2]:.2f}" for i in idles])
    add(
        "unused slot-seconds",
        [
            f"{r.timeline.unused_slot_seconds(n):.1f}" if r.timeline else "-"
            for r, n in zip(rows, slots, strict=True)
        ],
    )
    for label, values in lines:
        print(f"  {label:<24}" + "".join(f"{v:>{width}}" for v in values))
    ratio = rows[0].seconds / rows[-1].seconds
    print(f"  five slots / one slot: {ratio:.2f}x faster (wall time)")


async def inventory_runs(bench: Any, sessionmaker: Any, first: int, count: int) -> None:
    """Quantities in the push: a fresh store (every quantity sent, each base read first), then
    content edits with stock unchanged (no quantity sent), then stock-only edits (quantities
    only: the products' content is unchanged, so no productSet)."""
    chosen = Product.id.between(first, first + count - 1)
    await bench("inventory", "batch + quantities (fresh store)", PushMode.batch, count)
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Product)
            .where(chosen)
            .values(title=Product.title + " *", version=Product.version + 1)
        )
    await bench("inventory", "batch, edits, stock unchanged", PushMode.batch, count, reset=False)
    async with sessionmaker() as session, session.begin():
        variants = select(ProductVariant.id).join(Product).where(chosen)
        await session.execute(
            update(InventoryLevel)
            .where(InventoryLevel.variant_id.in_(variants))
            .values(available=InventoryLevel.available + 1)
        )
        await session.execute(update(Product).where(chosen).values(version=Product.version + 1))
    await bench("inventory", "stock-only edits (batch)", PushMode.batch, count, reset=False)


def print_auto_rule() -> None:
    """auto's pick (and the rule's estimates) at three sizes on Standard and Plus."""
    timing = BulkTiming(
        lines_per_second=BULK_TIMING["bulk_rate"] or 1e9,
        startup_seconds=BULK_TIMING["bulk_startup_seconds"],
    )
    print(
        f"auto's rule with {timing.lines_per_second:g} lines/s per bulk operation, "
        f"{timing.startup_seconds:g} s start-up, {timing.slots} at a time:"
    )
    for plan, rate in (("Standard", 100.0), ("Plus", 1000.0)):
        for count in (100, 1_000, 20_000):
            print(
                f"  {plan:<8} {count:>6} products: batch ~{batch_seconds(count, rate):7.1f} s, "
                f"bulk ~{bulk_seconds(count, timing):7.1f} s -> "
                f"{choose_mode(count, rate, timing).value}"
            )


def print_table(rows: list[Row]) -> None:
    header = (
        f"{'run':<34} {'products':>8} {'seconds':>8} {'prod/s':>8} {'req/prod':>9} "
        f"{'pts/prod':>9} {'throttled':>9} {'mutations':>9} {'workers':>8} {'ceiling':>8} "
        f"{'cpu ms/prod':>11} {'emu cpu ms/prod':>15}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        n = max(1, row.products)
        workers = f"{row.report.workers_min}-{row.report.workers_max}"
        share = f"{row.ceiling_share:.0%}" if row.ceiling_share is not None else "n/a"
        print(
            f"{row.name:<34} {row.products:>8} {row.seconds:>8.2f} "
            f"{row.products / row.seconds:>8.1f} "
            f"{row.http_requests / n:>9.3f} {row.cost_points / n:>9.2f} {row.throttled:>9} "
            f"{row.mutations:>9} {workers:>8} {share:>8} "
            f"{1000 * row.our_cpu / n:>11.2f} {1000 * row.emulator_cpu / n:>15.2f}"
        )


async def main(args: argparse.Namespace) -> None:
    url = args.database_url
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    wanted = set(args.only.split(",")) if args.only else set(RUNS)
    sizes = {
        "sequential": args.sequential,
        "parallel": args.products,
        "batch": args.products,
        "bulk": args.bulk_products,
        "resync": args.bulk_products,
        "noop": args.bulk_products,
        "standard": args.standard_products,
        "slots": args.slots_products,
        "auto": args.auto_products,
        "inventory": args.inventory_products,
    }
    total = max(sizes[key] for key in wanted)
    seeded = await seed_demo_catalog(engine, total)
    first = seeded.first_product_id
    print(f"seeded {total} demo products in {seeded.seconds:.1f}s ({seeded.variants} variants)")
    freeze_long_lived_heap()  # as the dashboard does once it has started

    def ids(count: int) -> PushScope:
        if count >= total:
            return PushScope()
        return PushScope(product_ids=tuple(range(first, first + count)))

    emulator = Emulator()
    print(
        "emulator in its own process; bulk timing used: "
        + (
            f"{rate:.0f} lines/s per operation"
            if (rate := BULK_TIMING["bulk_rate"])
            else "no simulated rate (lines run at the emulator's own CPU speed)"
        )
        + f", {BULK_TIMING['bulk_startup_seconds']:g} s start-up per operation; emulator default "
        + f"{REALISTIC_BULK_RATE:.0f} lines/s after {REALISTIC_BULK_STARTUP_SECONDS:g} s"
    )
    print_auto_rule()
    rows: list[Row] = []

    async def bench(key: str, name: str, mode: PushMode, count: int, **options: Any) -> None:
        if key in wanted:
            rows.append(await run(name, emulator, sessionmaker, mode, ids(count), **options))
            print_table(rows[-1:])

    try:
        await bench(
            "sequential", "sequential (unlimited, 50 ms)", PushMode.sequential, args.sequential
        )
        await bench("parallel", "parallel (unlimited, 50 ms)", PushMode.parallel, args.products)
        await bench("batch", "batch (unlimited, 50 ms)", PushMode.batch, args.products)
        await bench("bulk", "bulk (unlimited, 50 ms)", PushMode.bulk, args.bulk_products)
        await bench(
            "resync", "re-sync unchanged (auto)", PushMode.auto, args.bulk_products, reset=False
        )
        if "noop" in wanted:
            async with sessionmaker() as session, session.begin():
                await session.execute(
                    update(Product)
                    .where(Product.id < first + args.bulk_products)
                    .values(version=Product.version + 1)
                )
        await bench(
            "noop",
            "re-sync after no-op edits (auto)",
            PushMode.auto,
            args.bulk_products,
            reset=False,
        )
        await bench(
            "standard",
            "batch (Standard plan, 50 ms)",
            PushMode.batch,
            args.standard_products,
            plan="standard",
        )
        slot_counts = (1, 5)
        for slots in slot_counts:
            await bench(
                "slots",
                f"bulk, {slots} slot{'s' if slots > 1 else ''} (unlimited, 50 ms)",
                PushMode.bulk,
                args.slots_products,
                bulk_slots=slots,
            )
        if "slots" in wanted:
            print_slots(rows[-len(slot_counts) :], slot_counts)
        for mode in (PushMode.batch, PushMode.bulk, PushMode.auto):
            await bench(
                "auto", f"{mode.value} (Standard plan)", mode, args.auto_products, plan="standard"
            )
        if "inventory" in wanted:
            await inventory_runs(bench, sessionmaker, first, args.inventory_products)
    finally:
        emulator.close()
        await engine.dispose()
    print()
    print_table(rows)
    sequential = next((r for r in rows if r.name.startswith("sequential")), None)
    batch = next((r for r in rows if r.name.startswith("batch (unlimited")), None)
    if sequential is not None and batch is not None:
        ratio = (batch.products / batch.seconds) / (sequential.products / sequential.seconds)
        print(f"\nbatch / sequential throughput: {ratio:.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--sequential", type=int, default=100)
    parser.add_argument("--bulk-products", type=int, default=20000)
    parser.add_argument("--standard-products", type=int, default=900)
    parser.add_argument("--slots-products", type=int, default=2000)
    parser.add_argument("--auto-products", type=int, default=500)
    parser.add_argument("--inventory-products", type=int, default=1000)
    parser.add_argument(
        "--only", default="", help=f"comma-separated runs out of {','.join(RUNS)} (default: all)"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the engine per run")
    parser.add_argument(
        "--bulk-rate",
        type=float,
        default=0.0,
        help=f"bulk lines/s per operation (0: unpaced; realistic: {REALISTIC_BULK_RATE:g})",
    )
    parser.add_argument(
        "--bulk-startup",
        type=float,
        default=0.0,
        help=f"bulk start-up seconds (realistic: {REALISTIC_BULK_STARTUP_SECONDS:g})",
    )
    arguments = parser.parse_args()
    PROFILE["enabled"] = arguments.profile
    BULK_TIMING.update(bulk_rate=arguments.bulk_rate, bulk_startup_seconds=arguments.bulk_startup)
    database = Path(tempfile.mkdtemp(prefix="sync-bench-")) / "bench.db"
    arguments.database_url = f"sqlite+aiosqlite:///{database}"
    migrate.upgrade(arguments.database_url)  # runs its own event loop: before ours
    asyncio.run(main(arguments))
