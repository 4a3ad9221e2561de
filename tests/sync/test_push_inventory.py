"""Issue #15's defects, against the emulator over loopback HTTP: a push sends quantities
(compare-and-set), a stock edit is pushed rather than marked synced, a pull after a push keeps
every quantity, a vendor edit in Shopify leaves local stock alone, and a sale since our last
read is neither overwritten nor counted twice."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from product_dashboard.audit.service import Actor
from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.inventory.inbound import apply_level_update
from product_dashboard.inventory.levels import Report
from product_dashboard.inventory.read import merge_unseen
from product_dashboard.models import (
    AuditSource,
    InventoryLevel,
    Location,
    Product,
    ProductVariant,
)
from product_dashboard.product import service as product_service
from product_dashboard.product.schemas import ProductUpdate, VariantIn
from product_dashboard.sync.pull.engine import PullEngine, PullParams
from product_dashboard.sync.push.modes import PushMode
from tests.fixtures.emulator import API
from tests.sync.conftest import Emulator, dialect_of, make_client, push, seed

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

ACTOR = Actor(source=AuditSource.api)


def _graphql(emulator: Emulator, query: str, variables: dict[str, Any] | None = None) -> Any:
    body = emulator.http.post(API, json={"query": query, "variables": variables or {}}).json()
    assert "errors" not in body, body
    return body["data"]


def shopify_quantities(emulator: Emulator) -> dict[str, int]:
    """Every variant's available quantity in the store, by variant id."""
    data = _graphql(emulator, "{ productVariants(first: 250) { nodes { id inventoryQuantity } } }")
    return {node["id"]: node["inventoryQuantity"] for node in data["productVariants"]["nodes"]}


def sell(emulator: Emulator, variant_gid: str, units: int) -> None:
    """A sale in Shopify: the available quantity drops by `units` (no compare-and-set)."""
    data = _graphql(
        emulator,
        "query($id: ID!) { productVariant(id: $id) { inventoryQuantity "
        "inventoryItem { id } } locations(first: 1) { nodes { id } } }",
        {"id": variant_gid},
    )
    variant = data["productVariant"]
    _graphql(
        emulator,
        "mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) "
        "{ userErrors { code message } } }",
        {
            "input": {
                "name": "available",
                "reason": "correction",
                "quantities": [
                    {
                        "inventoryItemId": variant["inventoryItem"]["id"],
                        "locationId": data["locations"]["nodes"][0]["id"],
                        "quantity": variant["inventoryQuantity"] - units,
                        "changeFromQuantity": None,
                    }
                ],
            }
        },
    )


async def local_quantities(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(ProductVariant.shopify_variant_id, ProductVariant.inventory_quantity)
        )
        return {gid: quantity for gid, quantity in rows if gid}


async def set_stock(
    sessionmaker: async_sessionmaker[AsyncSession], variant_gid: str, quantity: int
) -> int:
    """The merchant edits one variant's stock through the product service; its product id."""
    async with sessionmaker() as session, session.begin():
        variant = await session.scalar(
            select(ProductVariant).where(ProductVariant.shopify_variant_id == variant_gid)
        )
        assert variant is not None
        product = await session.scalar(
            select(Product)
            .where(Product.id == variant.product_id)
            .options(selectinload(Product.variants))
        )
        assert product is not None
        variants = [
            VariantIn(
                id=v.id,
                sku=v.sku,
                barcode=v.barcode,
                price=f"{v.price_cents / 100:.2f}",
                compare_at_price=(
                    f"{v.compare_at_price_cents / 100:.2f}" if v.compare_at_price_cents else None
                ),
                inventory_quantity=quantity if v.id == variant.id else v.inventory_quantity,
                weight_grams=v.weight_grams,
                option_values=v.option_values,
            )
            for v in product.variants
        ]
        await product_service.update(session, product.id, ProductUpdate(variants=variants), ACTOR)
        return product.id


async def first_stocked_variant(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> tuple[ProductVariant, Location]:
    """The first variant with a level, and that level's location."""
    async with sessionmaker() as session:
        variant, location = (
            await session.execute(
                select(ProductVariant, Location)
                .join(InventoryLevel, InventoryLevel.variant_id == ProductVariant.id)
                .join(Location, Location.id == InventoryLevel.location_id)
                .order_by(ProductVariant.id)
                .limit(1)
            )
        ).one()
    return variant, location


async def pull_all(sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator) -> None:
    client = make_client(emulator)

    def committing() -> Any:
        from contextlib import asynccontextmanager

        @asynccontextmanager
        async def factory() -> Any:
            async with sessionmaker() as session, session.begin():
                yield session

        return factory

    try:
        await PullEngine(committing(), client, ConflictEvents(None)).run(PullParams(kind="full"))
    finally:
        await client.aclose()


async def test_push_sends_every_quantity_and_a_pull_keeps_them(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    await seed(app, 6)
    report = await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    assert report.failed == 0 and report.inventory is not None
    local = await local_quantities(sessionmaker)
    assert any(quantity > 0 for quantity in local.values())
    # Shopify starts new variants at 0: only the others are sent.
    assert report.inventory["sent"] == sum(1 for quantity in local.values() if quantity != 0)
    assert shopify_quantities(emulator) == local

    await pull_all(sessionmaker, emulator)
    assert await local_quantities(sessionmaker) == local

    again = await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    assert again.api_calls == 0


async def test_a_stock_edit_is_pushed_not_just_marked_synced(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    await seed(app, 3)
    await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    variant_gid = sorted(await local_quantities(sessionmaker))[0]

    product_id = await set_stock(sessionmaker, variant_gid, 1602)
    report = await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))

    assert report.inventory is not None and report.inventory["sent"] == 1
    assert shopify_quantities(emulator)[variant_gid] == 1602
    async with sessionmaker() as session:
        product = await session.get(Product, product_id)
        assert product is not None and product.sync_error is None
        assert product.synced_version == product.version


async def test_a_sale_since_our_last_read_is_kept_and_the_edit_applied_as_a_delta(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    await seed(app, 2)
    await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    variant_gid = sorted(await local_quantities(sessionmaker))[0]
    await set_stock(sessionmaker, variant_gid, 50)
    sell(emulator, variant_gid, 3)  # after the merchant set 50, before the push

    report = await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))

    assert report.inventory is not None and report.inventory["stale_retries"] == 1
    assert shopify_quantities(emulator)[variant_gid] == 47
    assert (await local_quantities(sessionmaker))[variant_gid] == 47


async def test_a_vendor_edit_in_shopify_leaves_a_pending_stock_edit_alone(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    await seed(app, 2)
    await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    variant_gid = sorted(await local_quantities(sessionmaker))[0]
    product_id = await set_stock(sessionmaker, variant_gid, 61)
    async with sessionmaker() as session:
        product = await session.get(Product, product_id)
        assert product is not None and product.shopify_product_id
        shopify_id = product.shopify_product_id
    _graphql(
        emulator,
        "mutation($p: ProductUpdateInput!) { productUpdate(product: $p) "
        "{ userErrors { message } } }",
        {"p": {"id": shopify_id, "vendor": "Someone Else"}},
    )

    await pull_all(sessionmaker, emulator)

    assert (await local_quantities(sessionmaker))[variant_gid] == 61
    async with sessionmaker() as session:
        product = await session.get(Product, product_id)
        assert product is not None and product.vendor == "Someone Else"
        assert product.open_conflicts == 0
        levels = (
            await session.scalars(
                select(InventoryLevel)
                .join(ProductVariant)
                .where(ProductVariant.shopify_variant_id == variant_gid)
            )
        ).all()
        assert [level.available for level in levels] == [61]
    await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    assert shopify_quantities(emulator)[variant_gid] == 61


async def test_an_inventory_level_update_merges_and_an_older_one_is_ignored(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    await seed(app, 1)
    await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    variant, location = await first_stocked_variant(sessionmaker)
    assert variant.shopify_inventory_item_id and location.shopify_location_id

    def body(available: int, at: str) -> dict[str, Any]:
        return {
            "inventory_item_id": int(variant.shopify_inventory_item_id.rsplit("/", 1)[1]),
            "location_id": int(location.shopify_location_id.rsplit("/", 1)[1]),
            "available": available,
            "updated_at": at,
        }

    async with sessionmaker() as session, session.begin():
        assert await apply_level_update(session, body(5, "2099-01-01T00:00:00Z")) == "merged"
    async with sessionmaker() as session, session.begin():
        assert await apply_level_update(session, body(9, "2000-01-01T00:00:00Z")) == "stale"
    async with sessionmaker() as session:
        refreshed = await session.get(ProductVariant, variant.id)
        assert refreshed is not None and refreshed.inventory_quantity == 5
        product = await session.get(Product, variant.product_id)
        assert product is not None and product.open_conflicts == 0
    # Shopify's own change is not sent back.
    again = await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    assert again.api_calls == 0


async def test_a_pulled_product_has_no_quantity_to_read_or_send(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    emulator.knob("seed", {"products": 4, "seed": 2})
    remote = shopify_quantities(emulator)
    assert any(quantity > 0 for quantity in remote.values())

    await pull_all(sessionmaker, emulator)
    assert await local_quantities(sessionmaker) == remote
    report = await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))

    assert report.inventory is not None
    assert (report.inventory["read_first"], report.inventory["sent"]) == (0, 0)
    assert shopify_quantities(emulator) == remote


async def test_a_bulk_push_compares_quantities_with_what_its_lines_read(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    """Each bulk line reads its variants' inventory items and levels with the write, so the
    quantities sent after each part are compared with those: no item looked up, no level read."""
    await seed(app, 12)
    lookups = _RequestsNamed("VariantInventoryItems", "InventoryLevelsRead")
    async with httpx.AsyncClient(event_hooks={"request": [lookups]}) as http:
        client = make_client(emulator, http=http)
        report = await push(
            sessionmaker, emulator, PushMode.bulk, client=client, dialect=dialect_of(app)
        )
        await client.aclose()

    assert report.failed == 0 and report.inventory is not None
    assert report.bulk is not None and len(report.bulk["operations"]) > 1  # several parts
    assert lookups.seen == 0 and report.inventory["read_first"] == 0
    local = await local_quantities(sessionmaker)
    # Shopify starts new variants at 0 (the lines read so): only the others are sent.
    assert report.inventory["sent"] == sum(1 for quantity in local.values() if quantity != 0)
    assert shopify_quantities(emulator) == local
    again = await push(sessionmaker, emulator, PushMode.bulk, dialect=dialect_of(app))
    assert again.api_calls == 0


async def test_a_level_read_with_an_earlier_write_never_overwrites_a_later_report(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    await seed(app, 1)
    await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    async with sessionmaker() as session, session.begin():
        seen, unseen = (await session.scalars(select(InventoryLevel).limit(2))).all()
        seen.shopify_available, unseen.shopify_available = 4, None
        unseen.available = 8
        reports = [Report(level.variant_id, level.location_id, 30) for level in (seen, unseen)]
    async with sessionmaker() as session, session.begin():
        await merge_unseen(session, reports)
    async with sessionmaker() as session:
        after = {level.id: level for level in await session.scalars(select(InventoryLevel))}
    assert after[seen.id].shopify_available == 4  # a report is known: left alone
    # Never seen: Shopify's number is the base now, the local one still the intent to push.
    assert (after[unseen.id].shopify_available, after[unseen.id].available) == (30, 8)


class _RequestsNamed:
    """Counts GraphQL requests of these operations."""

    def __init__(self, *names: str) -> None:
        self.names = [name.encode() for name in names]
        self.seen = 0

    async def __call__(self, request: httpx.Request) -> None:
        if not request.url.path.endswith("graphql.json"):
            return  # a staged upload or a result download
        if any(name in request.content for name in self.names):
            self.seen += 1
