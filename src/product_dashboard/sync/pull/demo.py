"""`product-dashboard demo-sync`: seed a catalog, sync it in each mode against the emulator.

Runs on a throwaway SQLite database and a store emulator in a process of its own (so the
simulated Shopify does not share our CPU), pushes the catalog sequentially, in parallel, batched
and in bulk (the store emptied before each), re-syncs it unchanged, then pulls: a full export and
an incremental pull after merchant edits. The figures are the engines' own (PushReport and
PullReport); `on_progress` lets the caller draw a live progress bar.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard import migrate
from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.db import committing, create_engine, create_sessionmaker
from product_dashboard.demo import seed_demo_catalog
from product_dashboard.models import Product, ProductVariant
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.store_gateway import StoreAccess, StoreGateway
from product_dashboard.sync.pull.apply import ChunkResult
from product_dashboard.sync.pull.engine import (
    OVERLAP,
    PullCheckpoint,
    PullEngine,
    PullHooks,
    PullParams,
)
from product_dashboard.sync.push.engine import PushConfig, PushEngine, PushHooks
from product_dashboard.sync.push.modes import PushMode
from product_dashboard.sync.push.planner import PushScope
from product_dashboard.sync.push.progress import Tally

TOKEN = "shpat_demo_sync"
RESTORE_RATES = {
    "standard": 100.0,
    "advanced": 200.0,
    "plus": 1000.0,
    "enterprise": 2000.0,
    "unlimited": 100000.0,
}
# name, total -> None: a run starts; done -> None: products handled so far.
StartHook = Callable[[str, int], None]
ProgressHook = Callable[[int], None]


@dataclass(frozen=True)
class DemoOptions:
    products: int = 300
    sequential_products: int = 60
    plan: str = "plus"
    latency_ms: float = 50.0
    merchant_edits: int = 10


@dataclass
class DemoRow:
    name: str
    products: int
    seconds: float
    api_calls: int
    cost_points: int
    throttled: int
    workers: str
    changed: int

    @property
    def per_second(self) -> float:
        return self.products / self.seconds if self.seconds > 0 else 0.0

    def budget_share(self, restore_rate: float) -> float:
        """Cost points spent per second as a share of the plan's restore rate."""
        return self.cost_points / self.seconds / restore_rate if self.seconds > 0 else 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _emulator_program() -> str:
    """The `shopify-emulator` command (a distribution of its own), preferably this venv's."""
    search = os.pathsep.join((str(Path(sys.executable).parent), os.environ.get("PATH", "")))
    program = shutil.which("shopify-emulator", path=search)
    if program is None:
        raise RuntimeError("the store emulator is not installed (pip install -e ./emulator)")
    return program


@contextmanager
def emulator_process(plan: str, latency_ms: float) -> Iterator[str]:
    """`shopify-emulator serve` on a free loopback port; yields its base URL."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        _emulator_program(),
        "serve",
        "--port",
        str(port),
        "--plan",
        plan,
        "--latency-ms",
        str(latency_ms),
        "--access-token",
        TOKEN,
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ)
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/_emulator/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the store emulator did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


class _PushProgress(PushHooks):
    def __init__(self, name: str, on_start: StartHook, on_progress: ProgressHook) -> None:
        self.name = name
        self.started = on_start
        self.progressed = on_progress

    async def on_start(self, total: int, mode: PushMode) -> None:
        self.started(self.name, total)

    async def on_progress(self, tally: Tally, watermark: int, workers: int) -> None:
        self.progressed(tally.pushed + tally.deleted + tally.failed + tally.skipped)


class _PullProgress(PullHooks):
    def __init__(self, name: str, on_start: StartHook, on_progress: ProgressHook) -> None:
        self.name = name
        self.started = on_start
        self.progressed = on_progress
        self.done = 0

    async def on_total(self, total: int) -> None:
        self.started(self.name, total)

    async def on_chunk(self, result: ChunkResult, checkpoint: PullCheckpoint) -> None:
        self.done += sum(result.outcomes.values())
        self.progressed(self.done)


class SyncDemo:
    def __init__(
        self,
        options: DemoOptions,
        sessionmaker: async_sessionmaker[AsyncSession],
        store_url: str,
        on_start: StartHook,
        on_progress: ProgressHook,
    ) -> None:
        self.options = options
        self.sessionmaker = sessionmaker
        self.store_url = store_url
        self.on_start = on_start
        self.on_progress = on_progress
        self.access = StoreAccess(store_url, TOKEN, timeout_seconds=60.0)
        self.http = httpx.AsyncClient(
            base_url=store_url, headers={"X-Shopify-Access-Token": TOKEN}, timeout=60
        )

    async def knob(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.http.post(f"/_emulator/{path}", json=body)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def client(self) -> ShopifyClient:
        # Each run starts on an emptied store with a full budget: a pacer and breaker of its own.
        return StoreGateway(self.access).client()

    async def empty_store(self) -> None:
        """A fresh store, and a catalog that has never been synced."""
        await self.knob("reset", {})
        # Bulk work unpaced and with no start-up time: the figures are our engines', not the
        # emulator's simulated Shopify bulk timing (emulator/README.md, "Bulk timing").
        await self.knob(
            "config",
            {
                "plan": self.options.plan,
                "latency_ms": self.options.latency_ms,
                "bulk_rate": 0,
                "bulk_startup_seconds": 0,
            },
        )
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                update(Product).values(
                    synced_version=None,
                    synced_hash=None,
                    synced_snapshot=None,
                    synced_at=None,
                    sync_error=None,
                    shopify_product_id=None,
                    shopify_updated_at=None,
                )
            )
            await session.execute(update(ProductVariant).values(shopify_variant_id=None))

    async def push(self, name: str, mode: PushMode, scope: PushScope) -> DemoRow:
        async with self.client() as client:
            engine = PushEngine(
                self.sessionmaker,
                client,
                dialect="sqlite",
                config=PushConfig(bulk_poll_interval=0.1),
                hooks=_PushProgress(name, self.on_start, self.on_progress),
            )
            report = await engine.run(scope, mode)
        return DemoRow(
            name=name,
            products=report.pushed + report.deleted + report.failed + report.skipped,
            seconds=report.seconds,
            api_calls=report.api_calls,
            cost_points=report.cost_points,
            throttled=report.throttled,
            workers=f"{report.workers_min}-{report.workers_max}",
            changed=report.pushed,
        )

    async def pull(self, name: str, params: PullParams) -> DemoRow:
        async with self.client() as client:
            hooks = _PullProgress(name, self.on_start, self.on_progress)
            engine = PullEngine(
                committing(self.sessionmaker), client, ConflictEvents(None), hooks=hooks
            )
            report = await engine.run(params)
        changed = sum(report.outcomes.get(k, 0) for k in ("created", "merged", "conflict"))
        return DemoRow(
            name=name,
            products=report.seen,
            seconds=report.seconds,
            api_calls=report.api_calls,
            cost_points=report.cost_points,
            throttled=report.throttled,
            workers="1",
            changed=changed,
        )

    async def merchant_edits(self, count: int) -> None:
        async with self.sessionmaker() as session:
            ids = list(
                await session.scalars(
                    select(Product.shopify_product_id)
                    .where(Product.shopify_product_id.is_not(None))
                    .order_by(Product.id)
                    .limit(count)
                )
            )
        for n, shopify_id in enumerate(ids):
            await self.knob(f"products/{shopify_id}/edit", {"title": f"Edited in Shopify #{n}"})

    async def run(self, first_id: int, after_row: Callable[[DemoRow], None]) -> list[DemoRow]:
        o = self.options
        sequential = PushScope(product_ids=tuple(range(first_id, first_id + o.sequential_products)))
        rows: list[DemoRow] = []

        async def add(row: DemoRow) -> None:
            rows.append(row)
            after_row(row)

        for name, mode, scope in (
            ("push sequential", PushMode.sequential, sequential),
            ("push parallel", PushMode.parallel, PushScope()),
            ("push batch", PushMode.batch, PushScope()),
            ("push bulk", PushMode.bulk, PushScope()),
        ):
            await self.empty_store()
            await add(await self.push(name, mode, scope))
        resync = await self.push("re-sync unchanged (auto)", PushMode.auto, PushScope())
        resync.products = o.products  # all checked (in SQL), none sent
        await add(resync)
        async with self.sessionmaker() as session, session.begin():
            await session.execute(delete(Product))  # pull the store into an empty catalog
        # An incremental pull re-reads a few seconds before its cursor (the full export's
        # start): let the pushes above fall out of that window, so it reads the edits alone.
        self.on_start("(letting the pushes age past the overlap)", 1)
        await asyncio.sleep(OVERLAP.total_seconds() + 1)
        self.on_progress(1)
        await add(await self.pull("pull full into empty catalog", PullParams(kind="full")))
        await self.merchant_edits(o.merchant_edits)
        await add(
            await self.pull(
                f"pull incremental ({o.merchant_edits} edits)", PullParams(kind="incremental")
            )
        )
        await self.http.aclose()
        return rows


async def run_demo(
    options: DemoOptions,
    on_seed: Callable[[int], None],
    on_start: StartHook,
    on_progress: ProgressHook,
    after_row: Callable[[DemoRow], None],
) -> list[DemoRow]:
    """The whole demo on a temporary database and an emulator process; the rows in order."""
    with tempfile.TemporaryDirectory(prefix="demo-sync-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'demo.db'}"
        await asyncio.to_thread(migrate.upgrade, url)
        engine = create_engine(url)
        try:
            seeded = await seed_demo_catalog(engine, options.products, on_progress=on_seed)
            with emulator_process(options.plan, options.latency_ms) as store_url:
                demo = SyncDemo(
                    options, create_sessionmaker(engine), store_url, on_start, on_progress
                )
                return await demo.run(seeded.first_product_id, after_row)
        finally:
            await engine.dispose()
