"""A store with two locations: pull, push, level webhooks and compare-and-set, each per location
(#15 items 2, 3, 5), against the emulator over loopback HTTP."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.inventory.inbound import apply_level_update
from product_dashboard.models import InventoryLevel, Location, ProductVariant
from product_dashboard.sync.push.modes import PushMode
from tests.sync.conftest import Emulator, dialect_of, push, seed
from tests.sync.test_push_inventory import _graphql, pull_all

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Key = tuple[str, str]  # (variant gid, location gid)
LEVELS = """
{ productVariants(first: 40) { nodes { id inventoryItem { id inventoryLevels(first: 3) {
  nodes { location { id } quantities(names: ["available"]) { quantity } } } } } } }
"""


def shopify_levels(emulator: Emulator) -> dict[Key, int]:
    data = _graphql(emulator, LEVELS)
    return {
        (node["id"], level["location"]["id"]): level["quantities"][0]["quantity"]
        for node in data["productVariants"]["nodes"]
        for level in node["inventoryItem"]["inventoryLevels"]["nodes"]
    }


def item_of(emulator: Emulator, variant_gid: str) -> str:
    data = _graphql(emulator, LEVELS)
    return next(
        n["inventoryItem"]["id"] for n in data["productVariants"]["nodes"] if n["id"] == variant_gid
    )


async def local_levels(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[Key, int | None]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(
                ProductVariant.shopify_variant_id,
                Location.shopify_location_id,
                InventoryLevel.available,
            )
            .join(ProductVariant, ProductVariant.id == InventoryLevel.variant_id)
            .join(Location, Location.id == InventoryLevel.location_id)
        )
        return {(str(v), str(loc)): available for v, loc, available in rows}


def sell_at(emulator: Emulator, variant_gid: str, location_gid: str, units: int) -> None:
    """A sale at one location (no compare-and-set, as an order takes stock)."""
    before = shopify_levels(emulator)[(variant_gid, location_gid)]
    result = _graphql(
        emulator,
        "mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) "
        "{ userErrors { code } } }",
        {
            "input": {
                "name": "available",
                "reason": "correction",
                "quantities": [
                    {
                        "inventoryItemId": item_of(emulator, variant_gid),
                        "locationId": location_gid,
                        "quantity": before - units,
                        "changeFromQuantity": None,
                    }
                ],
            }
        },
    )
    assert result["inventorySetQuantities"]["userErrors"] == []


async def set_local(
    sessionmaker: async_sessionmaker[AsyncSession], key: Key, available: int
) -> None:
    """The merchant's intent at one location."""
    variant_gid, location_gid = key
    async with sessionmaker() as session, session.begin():
        variant_id = await session.scalar(
            select(ProductVariant.id).where(ProductVariant.shopify_variant_id == variant_gid)
        )
        location_id = await session.scalar(
            select(Location.id).where(Location.shopify_location_id == location_gid)
        )
        await session.execute(
            update(InventoryLevel)
            .where(
                InventoryLevel.variant_id == variant_id,
                InventoryLevel.location_id == location_id,
            )
            .values(available=available)
        )


async def pulled_two_locations(
    sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> tuple[str, str]:
    """A two-location store pulled here; its (primary, warehouse) location gids."""
    seeded = emulator.knob("seed", {"products": 4, "seed": 5, "locations": 2})
    await pull_all(sessionmaker, emulator)
    primary, warehouse = seeded["locations"]
    return primary, warehouse


async def test_a_pull_reads_every_location_and_a_push_after_it_sends_nothing(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    primary, warehouse = await pulled_two_locations(sessionmaker, emulator)
    remote = shopify_levels(emulator)
    assert {location for _, location in remote} == {primary, warehouse}
    assert await local_levels(sessionmaker) == remote
    async with sessionmaker() as session:
        flagged = await session.scalar(select(Location).where(Location.is_primary.is_(True)))
        assert flagged is not None and flagged.shopify_location_id == primary
        totals = dict(
            (
                await session.execute(
                    select(ProductVariant.shopify_variant_id, ProductVariant.inventory_quantity)
                )
            ).all()
        )
    for variant_gid, total in totals.items():
        assert total == remote[(variant_gid, primary)] + remote[(variant_gid, warehouse)]

    report = await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    assert report.inventory is not None and report.inventory["sent"] == 0


async def test_an_edit_at_one_location_is_pushed_there_and_nowhere_else(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    _, warehouse = await pulled_two_locations(sessionmaker, emulator)
    before = shopify_levels(emulator)
    key = next(k for k in sorted(before) if k[1] == warehouse)
    await set_local(sessionmaker, key, before[key] + 40)

    report = await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))

    assert report.inventory is not None and report.inventory["sent"] == 1
    assert shopify_levels(emulator) == {**before, key: before[key] + 40}


async def test_a_sale_at_one_location_since_our_read_is_kept_there(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    primary, warehouse = await pulled_two_locations(sessionmaker, emulator)
    before = shopify_levels(emulator)
    key = next(k for k in sorted(before) if k[1] == warehouse)
    await set_local(sessionmaker, key, 50)
    sell_at(emulator, key[0], warehouse, 3)  # after the merchant set 50, before the push

    report = await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))

    assert report.inventory is not None and report.inventory["stale_retries"] == 1
    after = shopify_levels(emulator)
    assert after[key] == 47
    assert after[(key[0], primary)] == before[(key[0], primary)]
    assert (await local_levels(sessionmaker))[key] == 47


async def test_a_level_update_for_one_location_moves_that_level_only(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    primary, warehouse = await pulled_two_locations(sessionmaker, emulator)
    before = await local_levels(sessionmaker)
    key = next(k for k in sorted(before) if k[1] == warehouse)
    sell_at(emulator, key[0], warehouse, 2)
    body: dict[str, Any] = {
        "inventory_item_id": int(item_of(emulator, key[0]).rsplit("/", 1)[1]),
        "location_id": int(warehouse.rsplit("/", 1)[1]),
        "available": shopify_levels(emulator)[key],
        "updated_at": "2099-01-01T00:00:00Z",
    }
    async with sessionmaker() as session, session.begin():
        assert await apply_level_update(session, body) == "merged"

    after = await local_levels(sessionmaker)
    assert after == {**before, key: (before[key] or 0) - 2}
    async with sessionmaker() as session:
        total = await session.scalar(
            select(ProductVariant.inventory_quantity).where(
                ProductVariant.shopify_variant_id == key[0]
            )
        )
    assert total == (after[(key[0], primary)] or 0) + (after[key] or 0)
    report = await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    assert report.inventory is not None and report.inventory["sent"] == 0


async def test_the_stock_api_reads_and_sets_levels_per_location_unknown_stays_null(
    app: FastAPI,
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    editor_headers: dict[str, str],
) -> None:
    primary, warehouse = await pulled_two_locations(sessionmaker, emulator)
    async with sessionmaker() as session, session.begin():
        session.add(Location(name="Back room", is_active=True))  # no level there yet
        product_id = await session.scalar(select(ProductVariant.product_id).limit(1))
    remote = shopify_levels(emulator)

    read = await client.get(f"/api/products/{product_id}/stock", headers=editor_headers)
    assert read.status_code == 200, read.text
    body = read.json()
    by_id = {loc["id"]: loc for loc in body["locations"]}
    assert [loc["shopify_location_id"] for loc in body["locations"]] == [primary, warehouse, None]
    assert body["locations"][0]["is_primary"]
    for variant in body["variants"]:
        async with sessionmaker() as session:
            gid = await session.scalar(
                select(ProductVariant.shopify_variant_id).where(
                    ProductVariant.id == variant["variant_id"]
                )
            )
        shown = {
            by_id[level["location_id"]]["shopify_location_id"]: level["available"]
            for level in variant["levels"]
        }
        assert shown == {
            primary: remote[(gid, primary)],
            warehouse: remote[(gid, warehouse)],
            None: None,
        }

    variant = body["variants"][0]
    warehouse_id = next(i for i, loc in by_id.items() if loc["shopify_location_id"] == warehouse)
    edit = {"variant_id": variant["variant_id"], "location_id": warehouse_id, "available": 321}
    wrong = await client.put(
        f"/api/products/{product_id}/stock",
        json={"levels": [{**edit, "location_id": 999_999}]},
        headers=editor_headers,
    )
    assert wrong.status_code == 422
    stale = await client.put(
        f"/api/products/{product_id}/stock",
        json={"version": body["version"] - 1, "levels": [edit]},
        headers=editor_headers,
    )
    assert stale.status_code == 409
    done = await client.put(
        f"/api/products/{product_id}/stock",
        json={"version": body["version"], "levels": [edit]},
        headers=editor_headers,
    )
    assert done.status_code == 200, done.text
    after = done.json()
    assert after["version"] == body["version"] + 1
    changed = next(v for v in after["variants"] if v["variant_id"] == variant["variant_id"])
    assert {lv["location_id"]: lv["available"] for lv in changed["levels"]}[warehouse_id] == 321
    assert changed["inventory_quantity"] == sum(lv["available"] or 0 for lv in changed["levels"])

    report = await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    assert report.inventory is not None and report.inventory["sent"] == 1
    async with sessionmaker() as session:
        gid = await session.scalar(
            select(ProductVariant.shopify_variant_id).where(
                ProductVariant.id == variant["variant_id"]
            )
        )
    assert shopify_levels(emulator)[(str(gid), warehouse)] == 321


async def test_the_bulk_editor_edits_stock_per_location_and_the_total_and_both_are_pushed(
    app: FastAPI,
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    editor_headers: dict[str, str],
) -> None:
    primary, warehouse = await pulled_two_locations(sessionmaker, emulator)
    async with sessionmaker() as session:
        ids = {
            str(loc.shopify_location_id): loc.id for loc in await session.scalars(select(Location))
        }
        first, second = (
            await session.execute(
                select(
                    ProductVariant.id, ProductVariant.product_id, ProductVariant.shopify_variant_id
                )
                .order_by(ProductVariant.id)
                .limit(2)
            )
        ).all()
    at_warehouse, at_primary = f"stock_at_{ids[warehouse]}", f"stock_at_{ids[primary]}"
    offered = await client.get("/api/products/grid/columns", headers=editor_headers)
    keys = [c["key"] for c in offered.json()]
    assert {"inventory_quantity", at_primary, at_warehouse} <= set(keys)
    before = shopify_levels(emulator)

    cells = [
        {"product_id": first[1], "variant_id": first[0], "field": at_warehouse, "value": 555},
        {
            "product_id": second[1],
            "variant_id": second[0],
            "field": "inventory_quantity",
            "value": before[(second[2], primary)] + before[(second[2], warehouse)] + 10,
        },
    ]
    saved = await client.post(
        "/api/products/batch/update-cells", json={"cells": cells}, headers=editor_headers
    )
    assert saved.status_code == 200, saved.text
    grid = await client.get(
        "/api/products/grid",
        params={"columns": f"inventory_quantity,{at_primary},{at_warehouse}"},
        headers=editor_headers,
    )
    rows = {row["variant_id"]: row["values"] for row in grid.json()["rows"]}
    assert rows[first[0]][at_warehouse] == 555
    assert rows[first[0]]["inventory_quantity"] == before[(first[2], primary)] + 555

    report = await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    assert report.inventory is not None and report.inventory["sent"] == 2
    assert shopify_levels(emulator) == {
        **before,
        (first[2], warehouse): 555,
        (second[2], primary): before[(second[2], primary)] + 10,
    }


async def test_undoing_a_grid_edit_of_a_level_with_no_number_leaves_it_with_none(
    app: FastAPI,
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    editor_headers: dict[str, str],
) -> None:
    await pulled_two_locations(sessionmaker, emulator)
    async with sessionmaker() as session, session.begin():
        back_room = Location(name="Back room", is_active=True)
        session.add(back_room)
        await session.flush()
        variant_id, product_id = (
            await session.execute(select(ProductVariant.id, ProductVariant.product_id).limit(1))
        ).one()
    cell = {
        "product_id": product_id,
        "variant_id": variant_id,
        "field": f"stock_at_{back_room.id}",
        "value": 4,
    }
    saved = await client.post(
        "/api/products/batch/update-cells", json={"cells": [cell]}, headers=editor_headers
    )
    assert saved.status_code == 200, saved.text
    undone = await client.post(
        f"/api/products/batch/{saved.json()['batch_id']}/undo", headers=editor_headers
    )
    assert undone.status_code == 200, undone.text
    async with sessionmaker() as session:
        level = await session.scalar(
            select(InventoryLevel).where(
                InventoryLevel.variant_id == variant_id,
                InventoryLevel.location_id == back_room.id,
            )
        )
    assert level is not None and level.available is None


async def test_csv_and_xlsx_exports_carry_a_column_per_location_and_the_item_fields(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    editor_headers: dict[str, str],
) -> None:
    primary, warehouse = await pulled_two_locations(sessionmaker, emulator)
    async with sessionmaker() as session, session.begin():
        session.add(Location(name="Back room", is_active=True))  # no number known there
        names = {
            str(loc.shopify_location_id): loc.name
            for loc in await session.scalars(select(Location))
        }
        variant_gids = dict(
            (
                await session.execute(select(ProductVariant.id, ProductVariant.shopify_variant_id))
            ).all()
        )
    remote = shopify_levels(emulator)

    response = await client.post(
        "/api/products/batch/export", json={"format": "csv", "filter": {}}, headers=editor_headers
    )
    assert response.status_code == 200, response.text
    table = list(csv.DictReader(io.StringIO(response.text)))
    header = list(table[0])
    location_columns = [
        f"available at {names[primary]}",
        f"available at {names[warehouse]}",
        "available at Back room",
    ]
    assert header[-3:] == location_columns
    for column in ("inventory_tracked", "inventory_policy", "weight_value", "weight_unit", "cost"):
        assert column in header
    assert len(table) == len(remote) // 2
    for row in table:
        gid = variant_gids[int(row["variant_id"])]
        assert row[location_columns[0]] == str(remote[(gid, primary)])
        assert row[location_columns[1]] == str(remote[(gid, warehouse)])
        assert row[location_columns[2]] == ""  # unknown stays empty, never 0

    xlsx = await client.post(
        "/api/products/batch/export", json={"format": "xlsx", "filter": {}}, headers=editor_headers
    )
    assert xlsx.status_code == 200, xlsx.text
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as archive:
        text = "".join(
            archive.read(name).decode()
            for name in archive.namelist()
            if name.startswith("xl/") and name.endswith(".xml")
        )
    assert all(column in text for column in location_columns)


async def test_stock_set_here_at_a_location_shopify_does_not_stock_yet_is_sent_there(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    """Products pushed from here are stocked at the primary only; a level set at the warehouse
    has no quantity to compare with there and is sent with changeFromQuantity null."""
    warehouse = emulator.knob("seed", {"products": 0, "locations": 2})["locations"][1]
    await seed(app, 2)
    await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    before = shopify_levels(emulator)
    assert {location for _, location in before} == {
        loc for loc in emulator.knob("seed", {"products": 0})["locations"] if loc != warehouse
    }
    async with sessionmaker() as session, session.begin():
        variant_id, variant_gid = (
            await session.execute(
                select(ProductVariant.id, ProductVariant.shopify_variant_id).limit(1)
            )
        ).one()
        location_id = await session.scalar(
            select(Location.id).where(Location.shopify_location_id == warehouse)
        )
        assert location_id is not None, "the push learnt the store's locations"
        session.add(InventoryLevel(variant_id=variant_id, location_id=location_id, available=9))

    report = await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))

    assert report.inventory is not None and report.inventory["sent"] == 1
    assert report.inventory["read_first"] == 1
    assert shopify_levels(emulator) == {**before, (str(variant_gid), warehouse): 9}
    again = await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    assert again.api_calls == 0
