"""A sale whose `inventory_levels/update` webhook was missed is merged by the next pull, even
though the product's content (and its `updatedAt`: a sale does not move it) is unchanged: the
pull compares each variant's exported quantity with Shopify's last report, and merges a change
as the webhooks' rule does (a pending local stock edit keeps its difference), stamped on
Shopify's clock (the export's start) without moving a later stamp back."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.kit.time import as_utc, parse_time, utcnow
from product_dashboard.models import InventoryLevel, Product, ProductVariant
from product_dashboard.sync.pull import engine as engine_module
from product_dashboard.sync.pull.engine import PullEngine, PullParams, PullReport
from product_dashboard.sync.push.modes import PushMode
from tests.sync.conftest import Emulator, dialect_of, make_client, push
from tests.sync.test_inventory_clock import apply_event, level_event
from tests.sync.test_inventory_locations import item_of
from tests.sync.test_push_inventory import (
    _graphql,
    local_quantities,
    sell,
    set_stock,
    shopify_quantities,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Sessions = async_sessionmaker[AsyncSession]
PRODUCTS = """
{ products(first: 10) { nodes { id updatedAt variants(first: 10) { nodes { id } } } } }
"""


async def pull(sessions: Sessions, emulator: Emulator, params: PullParams) -> PullReport:
    client = make_client(emulator)

    @asynccontextmanager
    async def committing() -> Any:
        async with sessions() as session, session.begin():
            yield session

    try:
        return await PullEngine(committing, client, ConflictEvents(None)).run(params)
    finally:
        await client.aclose()


def updated_ats(emulator: Emulator) -> dict[str, datetime | None]:
    nodes = _graphql(emulator, PRODUCTS)["products"]["nodes"]
    return {node["id"]: parse_time(node["updatedAt"]) for node in nodes}


def variants_of_two_products(emulator: Emulator) -> tuple[str, str]:
    nodes = _graphql(emulator, PRODUCTS)["products"]["nodes"]
    return nodes[0]["variants"]["nodes"][0]["id"], nodes[1]["variants"]["nodes"][0]["id"]


async def level_of(sessions: Sessions, variant_gid: str) -> InventoryLevel:
    async with sessions() as session:
        level = await session.scalar(
            select(InventoryLevel)
            .join(ProductVariant, ProductVariant.id == InventoryLevel.variant_id)
            .where(ProductVariant.shopify_variant_id == variant_gid)
        )
        assert level is not None
        return level


async def product_of(sessions: Sessions, variant_gid: str) -> Product:
    async with sessions() as session:
        product = await session.scalar(
            select(Product)
            .join(ProductVariant, ProductVariant.product_id == Product.id)
            .where(ProductVariant.shopify_variant_id == variant_gid)
        )
        assert product is not None
        return product


async def vendor_changed_in_shopify(
    sessions: Sessions, emulator: Emulator, variant_gid: str
) -> None:
    """The vendor of the variant's product edited in Shopify's admin (its content changed)."""
    product = await product_of(sessions, variant_gid)
    _graphql(
        emulator,
        "mutation($p: ProductUpdateInput!) { productUpdate(product: $p) "
        "{ userErrors { message } } }",
        {"p": {"id": product.shopify_product_id, "vendor": "Someone Else"}},
    )


async def test_a_full_pull_merges_a_missed_sale_of_an_unchanged_product(
    app: FastAPI, sessionmaker: Sessions, emulator: Emulator
) -> None:
    emulator.knob("seed", {"products": 3, "seed": 7})
    await pull(sessionmaker, emulator, PullParams(kind="full"))
    sold, edited = variants_of_two_products(emulator)
    before = shopify_quantities(emulator)
    changed = updated_ats(emulator)

    # Sales in Shopify whose webhooks never arrived; one on a variant the merchant has edited.
    sell(emulator, sold, 3)
    await set_stock(sessionmaker, edited, before[edited] + 10)
    sell(emulator, edited, 2)
    assert updated_ats(emulator) == changed  # a sale does not move a product's updatedAt

    report = await pull(sessionmaker, emulator, PullParams(kind="full"))

    assert report.outcomes["unchanged"] == 3
    local = await local_quantities(sessionmaker)
    assert local[sold] == before[sold] - 3
    # The pending edit keeps its difference from Shopify's number: the sale is taken off it.
    assert local[edited] == before[edited] + 10 - 2
    level = await level_of(sessionmaker, edited)
    assert level.shopify_available == before[edited] - 2
    product = await product_of(sessionmaker, sold)
    in_product = await variant_ids(sessionmaker, product.id)
    assert product.total_inventory == sum(q for v, q in local.items() if v in in_product)
    edited_product = await product_of(sessionmaker, edited)
    assert edited_product.open_conflicts == 0
    assert edited_product.synced_version != edited_product.version  # the edit waits for a push

    await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    assert shopify_quantities(emulator)[edited] == before[edited] + 10 - 2


async def variant_ids(sessions: Sessions, product_id: int) -> set[str]:
    async with sessions() as session:
        return {
            str(gid)
            for gid in await session.scalars(
                select(ProductVariant.shopify_variant_id).where(
                    ProductVariant.product_id == product_id
                )
            )
        }


async def test_an_incremental_pull_merges_a_missed_sale_of_an_unchanged_product(
    app: FastAPI, sessionmaker: Sessions, emulator: Emulator
) -> None:
    emulator.knob("seed", {"products": 2, "seed": 8})
    await pull(sessionmaker, emulator, PullParams(kind="full"))
    sold, _ = variants_of_two_products(emulator)
    before = shopify_quantities(emulator)
    sell(emulator, sold, 4)
    since = min(t for t in updated_ats(emulator).values() if t is not None)

    report = await pull(
        sessionmaker,
        emulator,
        PullParams(kind="incremental", since=since - timedelta(minutes=1)),
    )

    assert report.outcomes["unchanged"] == 2
    assert (await local_quantities(sessionmaker))[sold] == before[sold] - 4


async def test_a_pull_does_not_move_a_later_level_stamp_back(
    app: FastAPI, sessionmaker: Sessions, emulator: Emulator
) -> None:
    emulator.knob("seed", {"products": 2, "seed": 9})
    await pull(sessionmaker, emulator, PullParams(kind="full"))
    sold, _ = variants_of_two_products(emulator)
    before = shopify_quantities(emulator)
    pulled_at = as_utc((await product_of(sessionmaker, sold)).shopify_updated_at)
    assert pulled_at is not None

    # One sale's webhook arrives (stamped later than the product's updatedAt), the next is missed.
    sell(emulator, sold, 1)
    location = _graphql(emulator, "{ locations(first: 1) { nodes { id } } }")["locations"]
    location_gid = location["nodes"][0]["id"]
    async with sessionmaker() as session, session.begin():
        variant = await session.scalar(
            select(ProductVariant).where(ProductVariant.shopify_variant_id == sold)
        )
        assert variant is not None
        variant.shopify_inventory_item_id = item_of(emulator, sold)
        # Stamped as a read with no start time of its own (a paged pull) leaves it: at the
        # product's updatedAt, days ago. (The export that created it stamped its own start.)
        level = await session.scalar(
            select(InventoryLevel).where(InventoryLevel.variant_id == variant.id)
        )
        assert level is not None
        level.shopify_seen_at = pulled_at
    heard_at = pulled_at + timedelta(hours=1)
    event = level_event(item_of(emulator, sold), location_gid, before[sold] - 1, heard_at)
    assert await apply_event(sessionmaker, event) == "merged"
    sell(emulator, sold, 2)

    report = await pull(sessionmaker, emulator, PullParams(kind="full"))

    assert (await local_quantities(sessionmaker))[sold] == before[sold] - 3
    level = await level_of(sessionmaker, sold)
    assert level.shopify_available == before[sold] - 3
    # Stamped with the export's start (its read is as of then or later), not the updatedAt.
    assert report.bulk is not None
    read_at = {parse_time(operation["created_at"]) for operation in report.bulk["operations"]}
    assert level.shopify_seen_at is not None and as_utc(level.shopify_seen_at) in read_at
    assert as_utc(level.shopify_seen_at) > heard_at


@pytest.mark.parametrize("content", ["unchanged", "changed"])
async def test_a_level_event_newer_than_the_export_outlives_the_pull(
    app: FastAPI,
    sessionmaker: Sessions,
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    content: str,
) -> None:
    """A sale's event that arrives while the export waits to be applied is newer than what the
    export read (from its `createdAt` on): the pull's older quantity must not replace it."""
    emulator.knob("seed", {"products": 2, "seed": 10})
    await pull(sessionmaker, emulator, PullParams(kind="full"))
    sold, _ = variants_of_two_products(emulator)
    before = shopify_quantities(emulator)
    location = _graphql(emulator, "{ locations(first: 1) { nodes { id } } }")["locations"]
    item = item_of(emulator, sold)
    async with sessionmaker() as session, session.begin():
        variant = await session.scalar(
            select(ProductVariant).where(ProductVariant.shopify_variant_id == sold)
        )
        assert variant is not None
        variant.shopify_inventory_item_id = item
    if content == "changed":  # decided three-way (`apply_remote`), not only its quantities
        await vendor_changed_in_shopify(sessionmaker, emulator, sold)

    real_apply_chunk = engine_module.apply_chunk
    heard: list[str] = []

    async def event_first(*args: Any, **kwargs: Any) -> Any:
        """The export is read (its file built from `createdAt` on); then, before its first
        chunk is applied, the webhook of a sale made since is merged."""
        if not heard:
            sell(emulator, sold, 1)
            sale = level_event(item, location["nodes"][0]["id"], before[sold] - 1, utcnow())
            heard.append(await apply_event(sessionmaker, sale))
        return await real_apply_chunk(*args, **kwargs)

    monkeypatch.setattr(engine_module, "apply_chunk", event_first)
    report = await pull(sessionmaker, emulator, PullParams(kind="full"))

    assert heard == ["merged"]
    assert report.outcomes["unchanged" if content == "unchanged" else "merged"] >= 1
    assert (await local_quantities(sessionmaker))[sold] == before[sold] - 1
    level = await level_of(sessionmaker, sold)
    assert level.shopify_available == before[sold] - 1
