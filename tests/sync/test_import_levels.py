"""An import's `available at <location>` cell, on a two-location store pulled from the
emulator: the level is set here and the next push sends it to that location of Shopify, and
nowhere else; the export then shows it and re-imports unchanged. (The import's other cases:
tests/importer/test_import_levels.py.)"""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.models import Location, Product, ProductVariant
from product_dashboard.sync.push.modes import PushMode
from tests.importer.test_import import upload
from tests.importer.test_import_levels import _csv, _export
from tests.sync.conftest import Emulator, dialect_of, push
from tests.sync.test_inventory_locations import local_levels, pulled_two_locations, shopify_levels

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


async def test_a_level_edited_in_an_export_is_imported_and_pushed_to_that_location(
    app: FastAPI,
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    editor_headers: dict[str, str],
) -> None:
    primary, warehouse = await pulled_two_locations(sessionmaker, emulator)
    async with sessionmaker() as session:
        name = await session.scalar(
            select(Location.name).where(Location.shopify_location_id == warehouse)
        )
        gids = dict(
            (
                await session.execute(select(ProductVariant.id, ProductVariant.shopify_variant_id))
            ).all()
        )
    column = f"available at {name}"
    rows = await _export(client, editor_headers)
    assert {column, "inventory_quantity"} <= rows[0].keys()
    row = rows[0]
    gid = str(gids[int(row["variant_id"])])
    before = shopify_levels(emulator)
    assert row[column] == str(before[(gid, warehouse)])
    row[column] = str(before[(gid, warehouse)] + 40)  # the total left as it was: derived

    imported = await upload(client, editor_headers, _csv(rows))

    assert imported.status_code == 200, imported.text
    outcomes = [(r["handle"], r["outcome"]) for r in imported.json()["results"]]
    assert [o for o in outcomes if o[1] != "unchanged"] == [(row["handle"], "updated")]
    key = (gid, warehouse)
    assert (await local_levels(sessionmaker))[key] == before[key] + 40
    async with sessionmaker() as session:
        variant = await session.scalar(
            select(ProductVariant).where(ProductVariant.id == int(row["variant_id"]))
        )
        assert variant is not None
        assert variant.inventory_quantity == before[(gid, primary)] + before[key] + 40
        product = await session.get(Product, variant.product_id)
        assert product is not None and product.total_inventory == sum(
            v.inventory_quantity
            for v in await session.scalars(
                select(ProductVariant).where(ProductVariant.product_id == product.id)
            )
        )

    report = await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))

    assert report.inventory is not None and report.inventory["sent"] == 1
    assert shopify_levels(emulator) == {**before, key: before[key] + 40}
    again = await _export(client, editor_headers)
    assert next(r for r in again if r["variant_id"] == row["variant_id"])[column] == str(
        before[key] + 40
    )
    unchanged = await upload(client, editor_headers, _csv(again))
    assert unchanged.status_code == 200, unchanged.text
    assert {r["outcome"] for r in unchanged.json()["results"]} == {"unchanged"}
