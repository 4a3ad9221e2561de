"""The pull against a real emulator over loopback, with our database on each backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from product_dashboard.config import Settings
from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.models import AuditEvent, Product
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.mapping import SyncProduct
from product_dashboard.shopify.pacer import CostPacer
from product_dashboard.shopify.tls import client_tls_context
from product_dashboard.sync.pull.engine import (
    PullCheckpoint,
    PullEngine,
    PullHooks,
    PullParams,
    PullReport,
)
from product_dashboard.sync.pull.source import iter_pages
from shopify_emulator.testing import EmulatorServer
from tests.fixtures.emulator import EMULATOR_TOKEN as TOKEN
from tests.fixtures.emulator import reset_emulator


@pytest.fixture
def emulator_url(emulator_server: EmulatorServer) -> str:
    return emulator_server.base_url


@pytest.fixture
def settings(settings: Settings, emulator_url: str) -> Settings:
    """The app's settings, pointed at the emulated store."""
    return settings.model_copy(
        update={"shopify_store_url": emulator_url, "shopify_access_token": TOKEN}
    )


@dataclass
class Store:
    """The emulated store: its knobs, and Shopify's view of its products."""

    url: str
    http: httpx.AsyncClient
    client: ShopifyClient

    async def knob(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.http.post(
            f"{self.url}/_emulator/{path}",
            json=body or {},
            headers={"X-Shopify-Access-Token": TOKEN},
        )
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    async def seed(self, products: int, seed: int = 11) -> list[str]:
        ids: list[str] = (await self.knob("seed", {"products": products, "seed": seed}))[
            "product_ids"
        ]
        return ids

    async def edit(self, shopify_id: str, **fields: Any) -> None:
        await self.knob(f"products/{shopify_id}/edit", fields)

    async def delete(self, shopify_id: str) -> None:
        from product_dashboard.shopify.documents import PRODUCT_DELETE

        await self.client.execute(PRODUCT_DELETE, {"id": shopify_id}, idempotent=False)

    async def products(self) -> dict[str, SyncProduct]:
        found: dict[str, SyncProduct] = {}
        async for page in iter_pages(self.client, None):
            for remote in page.products:
                found[remote.shopify_id] = remote.product
        return found


@pytest.fixture
async def store(emulator_url: str) -> AsyncIterator[Store]:
    async with httpx.AsyncClient(timeout=30, verify=client_tls_context()) as http:
        client = ShopifyClient(emulator_url, TOKEN, http=http, pacer=CostPacer())
        shop = Store(emulator_url, http, client)
        reset_emulator(emulator_url, plan="unlimited", bulk_rate=0)
        yield shop


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings.database_url)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


def committing(maker: async_sessionmaker[AsyncSession]) -> Any:
    @asynccontextmanager
    async def factory() -> AsyncIterator[AsyncSession]:
        async with maker() as session, session.begin():
            yield session

    return factory


async def pull(
    sessions: async_sessionmaker[AsyncSession],
    store: Store,
    params: PullParams | None = None,
    *,
    hooks: PullHooks | None = None,
    checkpoint: PullCheckpoint | None = None,
) -> PullReport:
    engine = PullEngine(committing(sessions), store.client, ConflictEvents(None), hooks=hooks)
    return await engine.run(params or PullParams(), checkpoint)


PRODUCT_SET = """
mutation Create($input: ProductSetInput!) {
  productSet(input: $input, synchronous: true) {
    product { id }
    userErrors { field message code }
  }
}
"""
"""A product made in the store as the merchant (or another app) makes it there."""


async def only_product(sessions: async_sessionmaker[AsyncSession]) -> Product:
    """The catalog's one product, with what `local_products` loads."""
    [product] = await local_products(sessions)
    return product


async def local_products(sessions: async_sessionmaker[AsyncSession]) -> list[Product]:
    async with sessions() as session:
        result = await session.execute(
            select(Product)
            .options(
                selectinload(Product.options),
                selectinload(Product.variants),
                selectinload(Product.tags),
                selectinload(Product.images),
                selectinload(Product.metafields),
            )
            .order_by(Product.id)
        )
        return list(result.scalars())


async def audit_count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
