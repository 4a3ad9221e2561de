"""The stock guard reads the quantities a push would send: a push that would zero 300 tracked
variants waits for approval before sending anything, names the products, and once approved
leaves those zeros in the store (#15 Show, #18)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.config import Settings
from product_dashboard.job import JobRunner
from product_dashboard.models import InventoryLevel, JobState, Product, ProductVariant
from tests.fixtures.emulator import API
from tests.job.helpers import wait_for_state
from tests.sync.conftest import Emulator, seed
from tests.sync.test_push_preview import start_push

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

ZEROED = 300


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"guard_zero_stock_variants": 100})


def store_quantities(emulator: Emulator, variant_gids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(variant_gids), 250):
        body = emulator.http.post(
            API,
            json={
                "query": "query($ids: [ID!]!) { nodes(ids: $ids) "
                "{ ... on ProductVariant { id inventoryQuantity } } }",
                "variables": {"ids": variant_gids[start : start + 250]},
            },
        ).json()
        assert "errors" not in body, body
        found.update({n["id"]: n["inventoryQuantity"] for n in body["data"]["nodes"]})
    return found


async def zero_stock(sessionmaker: async_sessionmaker[AsyncSession], count: int) -> dict[str, Any]:
    """The merchant sets `count` stocked levels to 0; their variants' Shopify ids and products."""
    async with sessionmaker() as session, session.begin():
        rows = (
            await session.execute(
                select(InventoryLevel.id, ProductVariant.shopify_variant_id, Product.id)
                .join(ProductVariant, ProductVariant.id == InventoryLevel.variant_id)
                .join(Product, Product.id == ProductVariant.product_id)
                .where(InventoryLevel.shopify_available > 0)
                .order_by(InventoryLevel.id)
                .limit(count)
            )
        ).all()
        assert len(rows) == count
        await session.execute(
            update(InventoryLevel)
            .where(InventoryLevel.id.in_([r[0] for r in rows]))
            .values(available=0)
        )
    return {"variants": [r[1] for r in rows], "products": sorted({r[2] for r in rows})}


async def test_a_push_zeroing_300_variants_is_held_then_released_with_its_zeros(
    app: FastAPI,
    client: httpx.AsyncClient,
    runner: JobRunner,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    editor_headers: dict[str, str],
    admin_headers: dict[str, str],
) -> None:
    await seed(app, 120)
    first = await start_push(client, editor_headers, mode="batch")
    await wait_for_state(sessionmaker, first, JobState.completed)
    zeroed = await zero_stock(sessionmaker, ZEROED)
    assert all(q > 0 for q in store_quantities(emulator, zeroed["variants"]).values())
    graphql = emulator.stats()["graphql_requests"]

    job_id = await start_push(client, editor_headers, mode="batch")
    held = await wait_for_state(sessionmaker, job_id, JobState.awaiting_approval)
    assert emulator.stats()["graphql_requests"] == graphql, "nothing is sent while held"
    hits = held.report["preview"]["held_by"]
    assert [h["rule"] for h in hits] == ["zero_stock"]
    assert hits[0]["count"] == ZEROED
    assert hits[0]["product_ids"] == zeroed["products"]
    assert f"stock goes to 0 on {ZEROED} tracked variants" in hits[0]["message"]
    assert f"of {len(zeroed['products'])} products" in hits[0]["message"]
    assert all(q > 0 for q in store_quantities(emulator, zeroed["variants"]).values())

    approved = await client.post(f"/api/jobs/{job_id}/approve", headers=admin_headers)
    assert approved.status_code == 200, approved.text
    await wait_for_state(sessionmaker, job_id, JobState.completed)
    assert set(store_quantities(emulator, zeroed["variants"]).values()) == {0}
