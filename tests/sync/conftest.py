"""Sync tests: a loopback emulator, an app whose settings point at it, and seeding helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from product_dashboard.config import Settings
from product_dashboard.demo import seed_demo_catalog
from product_dashboard.job import JobRunner
from product_dashboard.models import Product, ProductVariant
from product_dashboard.shopify.client import DEFAULT_TIMEOUT, ShopifyClient
from product_dashboard.shopify.pacer import CostPacer
from product_dashboard.shopify.tls import client_tls_context
from product_dashboard.sync.push.engine import PushConfig, PushEngine, PushHooks, PushReport
from product_dashboard.sync.push.modes import PushMode
from product_dashboard.sync.push.planner import PushScope
from shopify_emulator.testing import EmulatorServer
from tests.fixtures.app import TEST_JWT_SECRET
from tests.fixtures.emulator import API, reset_emulator
from tests.fixtures.emulator import EMULATOR_TOKEN as TOKEN
from tests.job.helpers import FAST


@dataclass
class Emulator:
    server: EmulatorServer
    http: httpx.Client

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def knob(self, name: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        if body is None:
            response = self.http.get(f"/_emulator/{name}")
        else:
            response = self.http.post(f"/_emulator/{name}", json=body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def stats(self) -> dict[str, Any]:
        return self.knob("stats")

    def mutations(self) -> int:
        """Mutations the store has run: a push that sends nothing leaves it as it was."""
        return int(self.stats().get("mutations", 0))

    def products(self) -> list[dict[str, Any]]:
        """Every product in the store (on the unlimited plan, so reading is never throttled)."""
        self.knob("config", {"plan": "unlimited", "latency_ms": 0})
        found: list[dict[str, Any]] = []
        after = None
        while True:
            body = self.http.post(
                API,
                json={
                    "query": "query($after: String) { products(first: 250, after: $after) { "
                    "nodes { id handle title status } "
                    "pageInfo { hasNextPage endCursor } } }",
                    "variables": {"after": after},
                },
            ).json()
            page = body["data"]["products"]
            found.extend(page["nodes"])
            if not page["pageInfo"]["hasNextPage"]:
                return found
            after = page["pageInfo"]["endCursor"]


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> Iterator[Emulator]:
    """The shared emulator, reset to an empty unlimited store with no latency or faults."""
    reset_emulator(emulator_server.base_url, plan="unlimited")
    with httpx.Client(
        base_url=emulator_server.base_url,
        headers={"X-Shopify-Access-Token": TOKEN},
        verify=client_tls_context(),
    ) as http:
        yield Emulator(emulator_server, http)


@pytest.fixture
def settings(clean_database: str, tmp_path: Path, emulator: Emulator) -> Settings:
    return Settings(
        _env_file=None,
        environment="test",
        database_url=clean_database,
        jwt_secret=TEST_JWT_SECRET,
        log_dir=tmp_path / "logs",
        data_dir=tmp_path / "data",
        backup_dir=tmp_path / "backups",
        shopify_store_url=emulator.base_url,
        shopify_access_token=TOKEN,
    )


@pytest.fixture
async def runner(app: FastAPI) -> AsyncIterator[JobRunner]:
    """A fast-ticking runner in place of the app's own, with the sync handlers registered."""
    from product_dashboard.conflict.events import ConflictEvents
    from product_dashboard.sync import jobs, undo
    from product_dashboard.sync.pull import job as pull_job

    original: JobRunner = app.state.job_runner
    # Paused meanwhile: it also runs `sync.push` and could claim a job before the fast one does.
    await original.close()
    fast = JobRunner(app.state.event_bus, replace(FAST))
    runtime = app.state.sync_runtime
    jobs.register(fast, runtime)
    undo.register(fast)
    pull_job.register(fast, runtime.gateway.client, ConflictEvents(runtime.bus), runtime.bus)
    await fast.start(app.state.sessionmaker)
    app.state.job_runner = fast
    try:
        yield fast
    finally:
        app.state.job_runner = original
        await fast.close()
        await original.start(app.state.sessionmaker)


async def seed(target: FastAPI | AsyncEngine, count: int, seed_value: int = 0) -> list[int]:
    """Demo products in the app's database (or the engine's); their ids."""
    engine = target.state.engine if isinstance(target, FastAPI) else target
    report = await seed_demo_catalog(engine, count, seed=seed_value)
    return list(range(report.first_product_id, report.first_product_id + count))


def make_client(
    emulator: Emulator, *, timeout: float | None = None, http: httpx.AsyncClient | None = None
) -> ShopifyClient:
    """A client of the emulator with the product's own timeouts (`timeout`: one for all), as
    Shopify can take seconds for a large productSet, and so can a loaded machine's emulator."""
    return ShopifyClient(
        emulator.base_url,
        TOKEN,
        http=http,
        timeout=DEFAULT_TIMEOUT if timeout is None else httpx.Timeout(timeout, connect=timeout),
        pacer=CostPacer(),
    )


async def push(
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    mode: PushMode,
    scope: PushScope | None = None,
    *,
    hooks: PushHooks | None = None,
    config: PushConfig | None = None,
    client: ShopifyClient | None = None,
    dialect: str = "sqlite",
) -> PushReport:
    own = client is None
    client = client or make_client(emulator)
    try:
        engine = PushEngine(
            sessionmaker,
            client,
            dialect=dialect,
            config=config or PushConfig(bulk_poll_interval=0.05),
            hooks=hooks,
        )
        return await engine.run(scope or PushScope(), mode)
    finally:
        if own:
            await client.aclose()


def store_bulk_mutations(
    emulator: Emulator, before: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The bulk mutations the store ran (since `before`): status and lines run (objectCount).

    (The emulator's reset keeps earlier tests' bulk operations, hence `before`.)"""
    body = emulator.http.post(
        API,
        json={
            "query": '{ bulkOperations(first: 100, query: "operation_type:mutation") '
            "{ nodes { id status objectCount } } }"
        },
    ).json()
    nodes: list[dict[str, Any]] = body["data"]["bulkOperations"]["nodes"]
    earlier = {op["id"] for op in before or []}
    return [op for op in nodes if op["id"] not in earlier]


def dialect_of(app: FastAPI) -> str:
    return str(app.state.engine.dialect.name)


async def local_products(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Product]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(Product).order_by(Product.id))).all())


async def unlinked_variants(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(ProductVariant.id).where(ProductVariant.shopify_variant_id.is_(None))
        )
        return len(rows.all())


async def bump_versions(
    sessionmaker: async_sessionmaker[AsyncSession], ids: list[int], **values: Any
) -> None:
    """Simulate an edit: bump `version` (optionally changing columns) as the product API does."""
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Product).where(Product.id.in_(ids)).values(version=Product.version + 1, **values)
        )
