"""Issue #15's show case: simulated sales (5 orders/s) run through a full push of 200 products
and through a later stock edit of 50 of them. At the end, for every variant, Shopify holds the
quantity the merchant set minus exactly the units sold since the dashboard last saw it: no sale
lost, none counted twice."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.demo import seed_demo_catalog
from product_dashboard.inventory.inbound import apply_level_update
from product_dashboard.models import JobState, ProductVariant
from product_dashboard.sync.push.modes import PushMode
from product_dashboard.sync.push.planner import PushScope
from tests.fixtures.waiting import wait_until
from tests.sync.conftest import Emulator, dialect_of, push, seed
from tests.sync.test_inventory_locations import set_local
from tests.sync.test_push_inventory import pull_all, set_stock
from tests.sync.test_push_resilience import _job, _kill_mid_push_then_restart

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PRODUCTS = 200
EDITED = 50
ORDERS_PER_SECOND = 5


def _sales(emulator: Emulator) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = emulator.knob("sales")["log"]
    return log


def _all_quantities(emulator: Emulator) -> dict[str, int]:
    found: dict[str, int] = {}
    after = None
    while True:
        body = emulator.http.post(
            "/admin/api/2026-10/graphql.json",
            json={
                "query": "query($after: String) { productVariants(first: 250, after: $after) "
                "{ nodes { id inventoryQuantity } pageInfo { hasNextPage endCursor } } }",
                "variables": {"after": after},
            },
        ).json()
        page = body["data"]["productVariants"]
        found.update({n["id"]: n["inventoryQuantity"] for n in page["nodes"]})
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


async def test_every_quantity_is_the_set_value_minus_the_units_sold_since(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    await seed(app, PRODUCTS)
    async with sessionmaker() as session:
        initial = {
            row.id: row.inventory_quantity
            for row in await session.execute(
                select(ProductVariant.id, ProductVariant.inventory_quantity)
            )
        }
    emulator.knob("sales", {"orders_per_second": ORDERS_PER_SECOND, "seed": 15})

    first = await push(sessionmaker, emulator, PushMode.batch, dialect=dialect_of(app))
    assert first.failed == 0 and first.inventory is not None

    async with sessionmaker() as session:
        ids = dict(
            (row.shopify_variant_id, row.id)
            for row in await session.execute(
                select(ProductVariant.shopify_variant_id, ProductVariant.id)
            )
        )
    # The dashboard learns of the sales so far (as inventory_levels/update webhooks tell it),
    # then the merchant sets the stock of one variant in each of 50 products.
    seen = _sales(emulator)
    location = int(
        emulator.http.post(
            "/admin/api/2026-10/graphql.json",
            json={"query": "{ locations(first: 1) { nodes { id } } }"},
        )
        .json()["data"]["locations"]["nodes"][0]["id"]
        .rsplit("/", 1)[1]
    )
    latest: dict[str, dict[str, Any]] = {}
    for sale in seen:
        latest[sale["variant_id"]] = sale
    async with sessionmaker() as session, session.begin():
        for sale in latest.values():
            await apply_level_update(
                session,
                {
                    "inventory_item_id": int(sale["inventory_item_id"].rsplit("/", 1)[1]),
                    "location_id": location,
                    "available": sale["quantity_after"],
                    "updated_at": sale["at"],
                },
            )
    edited: dict[str, int] = {}
    async with sessionmaker() as session:
        rows = (
            await session.execute(
                select(ProductVariant.product_id, ProductVariant.shopify_variant_id).order_by(
                    ProductVariant.product_id, ProductVariant.position
                )
            )
        ).all()
    firsts: dict[int, str] = {}
    for product_id, gid in rows:
        firsts.setdefault(product_id, gid)
    for index, gid in enumerate(list(firsts.values())[:EDITED]):
        edited[gid] = 40 + index
        await set_stock(sessionmaker, gid, edited[gid])
    observed_up_to = max((sale["sequence"] for sale in seen), default=0)

    second = await push(sessionmaker, emulator, PushMode.batch, dialect=dialect_of(app))
    emulator.knob("sales", {"orders_per_second": 0})
    assert second.failed == 0 and second.inventory is not None

    log = _sales(emulator)
    assert len(log) > 0
    sold_total = Counter(sale["variant_id"] for sale in log)
    sold_since_seen = Counter(
        sale["variant_id"] for sale in log if sale["sequence"] > observed_up_to
    )
    expected = {
        gid: (
            edited[gid] - sold_since_seen[gid]
            if gid in edited
            else initial[ids[gid]] - sold_total[gid]
        )
        for gid in ids
        if gid
    }
    assert _all_quantities(emulator) == expected


@pytest.mark.parametrize(
    ("killable", "what"),
    [
        (lambda job: job.done >= 10, "the first process to push a few products"),
        (lambda job: job.done >= 40, "the first process to reach the quantities"),
    ],
    ids=["mid-products", "at-the-quantities"],
)
async def test_kill_9_mid_push_with_sales_running_loses_and_repeats_no_unit(
    clean_database: str, emulator: Emulator, killable: Any, what: str
) -> None:
    """Sales go on while the dashboard is killed and restarted: a quantity write sent before
    the kill and not recorded is resent with the same idempotency key (applied once), and
    every sale since our write is kept."""
    engine = create_engine(clean_database)
    sessionmaker = create_sessionmaker(engine)
    try:
        await seed_demo_catalog(engine, 40)
        async with sessionmaker() as session:
            initial = dict(
                (row.id, row.inventory_quantity)
                for row in await session.execute(
                    select(ProductVariant.id, ProductVariant.inventory_quantity)
                )
            )
        emulator.knob("config", {"latency_ms": 150})
        emulator.knob("sales", {"orders_per_second": ORDERS_PER_SECOND, "seed": 9})
        await _kill_mid_push_then_restart(
            clean_database, emulator, sessionmaker, [], killable, what
        )
        emulator.knob("sales", {"orders_per_second": 0})
        job = await _job(sessionmaker)
        assert job.state == JobState.completed and job.failed == 0
        sold = Counter(sale["variant_id"] for sale in _sales(emulator))
        async with sessionmaker() as session:
            ids = dict(
                (row.shopify_variant_id, row.id)
                for row in await session.execute(
                    select(ProductVariant.shopify_variant_id, ProductVariant.id)
                )
            )
        assert None not in ids
        assert _all_quantities(emulator) == {
            gid: initial[variant_id] - sold[gid] for gid, variant_id in ids.items()
        }
    finally:
        await engine.dispose()


LEVELS_PAGE = """
query($after: String) { productVariants(first: 40, after: $after) {
  nodes { id inventoryItem { inventoryLevels(first: 5) {
    nodes { location { id } quantities(names: ["available"]) { quantity } } } } }
  pageInfo { hasNextPage endCursor } } }
"""


def _all_levels(emulator: Emulator) -> dict[tuple[str, str], int]:
    """Shopify's available per (variant, location), every variant."""
    found: dict[tuple[str, str], int] = {}
    after = None
    while True:
        body = emulator.http.post(
            "/admin/api/2026-10/graphql.json",
            json={"query": LEVELS_PAGE, "variables": {"after": after}},
        ).json()
        page = body["data"]["productVariants"]
        for node in page["nodes"]:
            for level in node["inventoryItem"]["inventoryLevels"]["nodes"]:
                found[(node["id"], level["location"]["id"])] = level["quantities"][0]["quantity"]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


async def test_over_two_locations_every_level_is_the_set_value_minus_the_units_sold_there(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    """The store (200 products, two locations) is pulled; sales run at 5 orders/s over both
    locations through a full push and a later edit of 50 warehouse levels."""
    seeded = emulator.knob("seed", {"products": PRODUCTS, "seed": 21, "locations": 2})
    warehouse = seeded["locations"][1]
    await pull_all(sessionmaker, emulator)
    initial = _all_levels(emulator)
    assert {location for _, location in initial} == set(seeded["locations"])
    emulator.knob("sales", {"orders_per_second": ORDERS_PER_SECOND, "seed": 16})

    full = PushScope(only_changed=False)
    first = await push(sessionmaker, emulator, PushMode.batch, full, dialect=dialect_of(app))
    assert first.failed == 0 and first.pushed == PRODUCTS
    after_push = _all_levels(emulator)
    assert set(after_push) == set(initial), "a full push keeps every level"

    # A batch push of 200 is quick: let sales reach both locations before the dashboard looks.
    async def sold_at_both() -> bool:
        return {sale["location_id"] for sale in _sales(emulator)} == set(seeded["locations"])

    await wait_until(sold_at_both, "sales at both locations")

    # The dashboard learns of the sales so far, then the merchant sets 50 warehouse levels.
    seen = _sales(emulator)
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for sale in seen:
        latest[(sale["variant_id"], sale["location_id"])] = sale
    async with sessionmaker() as session, session.begin():
        for sale in latest.values():
            await apply_level_update(
                session,
                {
                    "inventory_item_id": int(sale["inventory_item_id"].rsplit("/", 1)[1]),
                    "location_id": int(sale["location_id"].rsplit("/", 1)[1]),
                    "available": sale["quantity_after"],
                    "updated_at": sale["at"],
                },
            )
    edited: dict[tuple[str, str], int] = {}
    for index, variant_gid in enumerate(sorted({v for v, _ in initial})[:EDITED]):
        edited[(variant_gid, warehouse)] = 40 + index
        await set_local(sessionmaker, (variant_gid, warehouse), 40 + index)
    observed_up_to = max((sale["sequence"] for sale in seen), default=0)

    second = await push(sessionmaker, emulator, PushMode.batch, dialect=dialect_of(app))
    emulator.knob("sales", {"orders_per_second": 0})
    assert second.failed == 0 and second.inventory is not None

    log = _sales(emulator)
    sold_total = Counter((sale["variant_id"], sale["location_id"]) for sale in log)
    sold_since_seen = Counter(
        (sale["variant_id"], sale["location_id"])
        for sale in log
        if sale["sequence"] > observed_up_to
    )
    expected = {
        key: edited[key] - sold_since_seen[key] if key in edited else quantity - sold_total[key]
        for key, quantity in initial.items()
    }
    assert _all_levels(emulator) == expected
