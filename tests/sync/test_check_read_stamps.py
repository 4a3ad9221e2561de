"""Detection ("Check Shopify now") and the reconciliation job read Shopify in bulk, as a full
pull does: the quantities they read are as of their export's start (`createdAt`, Shopify's
clock) or later, so they are stamped with it, never merged over a level Shopify reported later,
and a level event older than the read finds it stale."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.db import committing
from product_dashboard.inbound.detect import DETECT_JOB, DetectReport, run_detect_job
from product_dashboard.inbound.reconciler import (
    RECONCILE_JOB,
    ReconcileReport,
    run_reconcile_job,
    save_cursor,
)
from product_dashboard.job.context import JobContext
from product_dashboard.job.typed import JobType, TypedJob
from product_dashboard.kit.time import as_utc, parse_time, utcnow
from product_dashboard.models import InventoryLevel, Job, ProductVariant
from product_dashboard.shopify import bulk_read
from product_dashboard.sync.pull.engine import PullParams
from tests.sync.conftest import Emulator, make_client
from tests.sync.test_inventory_clock import apply_event, level_event, link_item
from tests.sync.test_inventory_locations import item_of
from tests.sync.test_pull_missed_sales import (
    level_of,
    product_of,
    pull,
    updated_ats,
    variants_of_two_products,
)
from tests.sync.test_push_inventory import _graphql, local_quantities, sell, shopify_quantities

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Sessions = async_sessionmaker[AsyncSession]
Check = Callable[[Sessions, Emulator], Awaitable[Any]]
OPERATIONS = '{ bulkOperations(first: 100, query: "operation_type:query") { nodes { createdAt } } }'


def _job(sessions: Sessions, job_type: JobType[Any, Any, Any]) -> TypedJob[Any, Any, Any]:
    row = Job(
        id=f"{job_type.name}-test",
        type=job_type.name,
        params={},
        report={},
        total=0,
        done=0,
        failed=0,
        skipped=0,
    )
    return TypedJob(JobContext(row, sessions), job_type)


async def detect(sessions: Sessions, emulator: Emulator) -> DetectReport:
    """`conflicts.detect` over every linked product, read in bulk."""
    client = make_client(emulator)
    try:
        return await run_detect_job(
            _job(sessions, DETECT_JOB), client, ConflictEvents(None), by_id_up_to=0
        )
    finally:
        await client.aclose()


async def reconcile(sessions: Sessions, emulator: Emulator) -> ReconcileReport:
    """`conflicts.reconcile` from a cursor before every product's `updatedAt` (so it reads the
    unchanged ones too)."""
    oldest = min(t for t in updated_ats(emulator).values() if t is not None)
    await save_cursor(committing(sessions), oldest - timedelta(minutes=1))
    client = make_client(emulator)
    try:
        return await run_reconcile_job(_job(sessions, RECONCILE_JOB), client, ConflictEvents(None))
    finally:
        await client.aclose()


CHECKS = {"detect": detect, "reconcile": reconcile}


async def pulled_with_an_item(sessions: Sessions, emulator: Emulator, seed: int) -> str:
    """Two products pulled; the first one's first variant (returned) linked to its inventory
    item, as a push or a pull of several locations records it."""
    emulator.knob("seed", {"products": 2, "seed": seed})
    await pull(sessions, emulator, PullParams(kind="full"))
    sold, _ = variants_of_two_products(emulator)
    async with sessions() as session, session.begin():
        variant = await session.scalar(
            select(ProductVariant).where(ProductVariant.shopify_variant_id == sold)
        )
        assert variant is not None
        variant.shopify_inventory_item_id = item_of(emulator, sold)
    return sold


def location_gid(emulator: Emulator) -> str:
    nodes = _graphql(emulator, "{ locations(first: 1) { nodes { id } } }")["locations"]["nodes"]
    return str(nodes[0]["id"])


def export_starts(emulator: Emulator) -> set[datetime | None]:
    nodes = _graphql(emulator, OPERATIONS)["bulkOperations"]["nodes"]
    return {parse_time(node["createdAt"]) for node in nodes}


@pytest.mark.parametrize("check", sorted(CHECKS))
async def test_a_level_event_newer_than_a_checks_export_outlives_the_check(
    app: FastAPI,
    sessionmaker: Sessions,
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    check: str,
) -> None:
    """A sale made after the check's export was read, whose event is merged before the export
    is applied: the export's older quantity must not replace it."""
    sold = await pulled_with_an_item(sessionmaker, emulator, seed=21)
    before = shopify_quantities(emulator)
    event = {"item": item_of(emulator, sold), "location": location_gid(emulator)}
    real_products = bulk_read.iter_bulk_products
    heard: list[str] = []

    async def sale_first(*args: Any, **kwargs: Any) -> AsyncIterator[dict[str, Any]]:
        """The export is complete (read from its `createdAt` on); before its first product is
        applied, a sale is made and its event merged."""
        if not heard:
            sell(emulator, sold, 1)
            sale = level_event(event["item"], event["location"], before[sold] - 1, utcnow())
            heard.append(await apply_event(sessionmaker, sale))
        async for node in real_products(*args, **kwargs):
            yield node

    monkeypatch.setattr(bulk_read, "iter_bulk_products", sale_first)
    await CHECKS[check](sessionmaker, emulator)

    assert heard == ["merged"]
    assert (await local_quantities(sessionmaker))[sold] == before[sold] - 1
    assert (await level_of(sessionmaker, sold)).shopify_available == before[sold] - 1


@pytest.mark.parametrize("check", sorted(CHECKS))
async def test_a_check_replaces_an_older_level_and_a_later_event_older_than_it_is_stale(
    app: FastAPI, sessionmaker: Sessions, emulator: Emulator, check: str
) -> None:
    """Two sales whose events are late: the check reads the second's quantity, stamped with its
    export's start; then the first sale's event arrives (after the product's `updatedAt`,
    before the export): it is older than what the check read, so it is stale."""
    sold = await pulled_with_an_item(sessionmaker, emulator, seed=22)
    before = shopify_quantities(emulator)
    updated_at = as_utc((await product_of(sessionmaker, sold)).shopify_updated_at)
    async with sessionmaker() as session, session.begin():
        level = await session.scalar(
            select(InventoryLevel)
            .join(ProductVariant, ProductVariant.id == InventoryLevel.variant_id)
            .where(ProductVariant.shopify_variant_id == sold)
        )
        assert level is not None
        # As a read with no start time of its own (a paged pull) leaves it: the updatedAt.
        level.shopify_seen_at = updated_at
    sell(emulator, sold, 1)
    sell(emulator, sold, 1)

    await CHECKS[check](sessionmaker, emulator)

    assert (await local_quantities(sessionmaker))[sold] == before[sold] - 2
    level = await level_of(sessionmaker, sold)
    assert level.shopify_seen_at is not None and as_utc(level.shopify_seen_at) in export_starts(
        emulator
    )
    first_sale = level_event(
        item_of(emulator, sold),
        location_gid(emulator),
        before[sold] - 1,
        updated_at + timedelta(hours=1),
    )
    assert await apply_event(sessionmaker, first_sale) == "stale"
    assert (await local_quantities(sessionmaker))[sold] == before[sold] - 2


async def test_a_product_the_reconciliation_creates_has_its_levels_stamped_with_the_read(
    app: FastAPI, sessionmaker: Sessions, emulator: Emulator
) -> None:
    """A product created from the reconciliation's export: a level event newer than its
    `updatedAt` but older than the export is stale, as for a product the pull creates."""
    emulator.knob("seed", {"products": 2, "seed": 23})
    created, _ = variants_of_two_products(emulator)
    before = shopify_quantities(emulator)

    report = await reconcile(sessionmaker, emulator)

    assert report.outcomes.get("created") == 2
    await link_item(sessionmaker, created, item_of(emulator, created), location_gid(emulator))
    level = await level_of(sessionmaker, created)
    assert level.shopify_seen_at is not None
    assert as_utc(level.shopify_seen_at) in export_starts(emulator)
    updated_at = as_utc((await product_of(sessionmaker, created)).shopify_updated_at)
    older = level_event(
        item_of(emulator, created),
        location_gid(emulator),
        before[created] + 5,
        updated_at + timedelta(hours=1),
    )
    assert await apply_event(sessionmaker, older) == "stale"
    assert (await local_quantities(sessionmaker))[created] == before[created]
