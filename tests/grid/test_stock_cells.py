"""The bulk editor's stock cells write levels as the product's stock API and a product edit do
(`inventory.levels.set_intents`): the same edit either way leaves the same levels, totals,
version, audit entry and push, a level with no number keeps none, and an undo puts one back."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.batch import cells_operation
from product_dashboard.inventory.levels import refresh_totals
from product_dashboard.inventory.locations import primary_location_id
from product_dashboard.inventory.push import pending_levels
from product_dashboard.models import InventoryLevel, Location, Product, ProductVariant
from tests.product.factories import create_product

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Headers = dict[str, str]
Maker = async_sessionmaker[AsyncSession]
P, W, B = 0, 1, 2  # the primary location, the warehouse, the back room
S, M = "S", "M"  # the variants, by size
# (available, shopify_available) by variant and location; absent: no level there.
STOCKED: dict[tuple[str, int], tuple[int | None, int | None]] = {
    (S, P): (10, 10),
    (S, W): (5, 5),
    (M, P): (None, None),  # no number known at the primary location
    (M, W): (3, 3),
    (M, B): (7, 7),
}


async def _locations(sessionmaker: Maker) -> list[int]:
    """The primary (the placeholder a product's creation made) and two more, all in Shopify."""
    async with sessionmaker() as session, session.begin():
        primary = await session.get(Location, await primary_location_id(session))
        assert primary is not None
        primary.shopify_location_id = "gid://shopify/Location/1"
        others = [
            Location(name="Entrepôt Nord", shopify_location_id="gid://shopify/Location/2"),
            Location(name="Back room ☕", shopify_location_id="gid://shopify/Location/3"),
        ]
        for location in others:
            location.is_active = True
            session.add(location)
        await session.flush()
        return [primary.id, *(location.id for location in others)]


async def _stock(sessionmaker: Maker, product_id: int, locations: list[int]) -> None:
    async with sessionmaker() as session, session.begin():
        product = await session.get(Product, product_id)
        assert product is not None
        product.shopify_product_id = f"gid://shopify/Product/{product_id}"
        variants = {
            v.option1: v
            for v in await session.scalars(
                select(ProductVariant).where(ProductVariant.product_id == product_id)
            )
        }
        for size, variant in variants.items():
            variant.shopify_variant_id = f"gid://shopify/ProductVariant/{product_id}{size}"
            variant.shopify_inventory_item_id = f"gid://shopify/InventoryItem/{product_id}{size}"
        held = {
            (level.variant_id, level.location_id): level
            for level in await session.scalars(
                select(InventoryLevel).where(
                    InventoryLevel.variant_id.in_([v.id for v in variants.values()])
                )
            )
        }
        for (size, at), (available, reported) in STOCKED.items():
            key = (variants[size].id, locations[at])
            level = held.pop(key, None) or InventoryLevel(variant_id=key[0], location_id=key[1])
            level.available, level.shopify_available = available, reported
            session.add(level)
        for level in held.values():
            await session.delete(level)
        await refresh_totals(session, [v.id for v in variants.values()])


@dataclass
class Catalog:
    """Two products' stock as tests compare them: variants by size, locations by place."""

    client: httpx.AsyncClient
    headers: Headers
    sessionmaker: Maker
    locations: list[int]

    async def variants(self, product_id: int) -> dict[str, int]:
        async with self.sessionmaker() as session:
            rows = await session.execute(
                select(ProductVariant.option1, ProductVariant.id).where(
                    ProductVariant.product_id == product_id
                )
            )
            return {str(size): int(variant_id) for size, variant_id in rows}

    async def version(self, product_id: int) -> int:
        r = await self.client.get(f"/api/products/{product_id}", headers=self.headers)
        assert r.status_code == 200, r.text
        return int(r.json()["version"])

    async def cells(self, product_id: int, *edits: tuple[str, str, int]) -> dict[str, Any]:
        """Saved in the grid: (size, column, value) each, `column` "total" or a place."""
        variants, version = await self.variants(product_id), await self.version(product_id)
        cells = [
            {
                "product_id": product_id,
                "variant_id": variants[size],
                "field": self.column(column),
                "value": value,
                "version": version,
            }
            for size, column, value in edits
        ]
        return await self.post("/api/products/batch/update-cells", {"cells": cells})

    def column(self, name: str) -> str:
        places = {"P": P, "W": W, "B": B}
        return (
            "inventory_quantity" if name == "total" else f"stock_at_{self.locations[places[name]]}"
        )

    async def post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        r = await self.client.post(path, json=body, headers=self.headers)
        assert r.status_code == 200, r.text
        answer: dict[str, Any] = r.json()
        return answer

    async def stock_api(self, product_id: int, *edits: tuple[str, str, int]) -> None:
        variants = await self.variants(product_id)
        places = {"P": P, "W": W, "B": B}
        levels = [
            {
                "variant_id": variants[size],
                "location_id": self.locations[places[place]],
                "available": value,
            }
            for size, place, value in edits
        ]
        r = await self.client.put(
            f"/api/products/{product_id}/stock",
            json={"version": await self.version(product_id), "levels": levels},
            headers=self.headers,
        )
        assert r.status_code == 200, r.text

    async def product_edit(self, product_id: int, totals: dict[str, int]) -> None:
        r = await self.client.get(f"/api/products/{product_id}", headers=self.headers)
        product = r.json()
        kept = ("id", "sku", "barcode", "price", "compare_at_price", "weight_grams")
        variants = [
            {
                **{k: v[k] for k in kept},
                "option_values": v["option_values"],
                "inventory_quantity": totals.get(v["option_values"][0], v["inventory_quantity"]),
            }
            for v in product["variants"]
        ]
        r = await self.client.put(
            f"/api/products/{product_id}",
            json={"version": product["version"], "variants": variants},
            headers=self.headers,
        )
        assert r.status_code == 200, r.text

    async def import_totals(self, product_id: int, totals: dict[str, int]) -> None:
        """The product's rows of our export imported back with these variants' quantities."""
        handle = (
            await self.client.get(f"/api/products/{product_id}", headers=self.headers)
        ).json()["handle"]
        exported = await self.client.post(
            "/api/products/batch/export", json={"format": "csv", "filter": {}}, headers=self.headers
        )
        assert exported.status_code == 200, exported.text
        rows = [r for r in csv.DictReader(io.StringIO(exported.text)) if r["handle"] == handle]
        for row in rows:
            size = next(v for k, v in row.items() if k.startswith("option1") and v in totals)
            row["inventory_quantity"] = str(totals[size])
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        files = {"file": ("products.csv", out.getvalue().encode(), "text/csv")}
        r = await self.client.post("/api/products/import", files=files, headers=self.headers)
        assert r.status_code == 200, r.text

    async def state(self, product_id: int) -> dict[str, Any]:
        """Levels (available, Shopify's), totals, version, the last audit entry and what a push
        would send, each named by size and place, not by row ids."""
        variants = await self.variants(product_id)
        size_of = {variant_id: size for size, variant_id in variants.items()}
        place_of = {location_id: "PWB"[i] for i, location_id in enumerate(self.locations)}
        async with self.sessionmaker() as session:
            levels = {
                (size_of[level.variant_id], place_of[level.location_id]): level.available
                for level in await session.scalars(
                    select(InventoryLevel).where(InventoryLevel.variant_id.in_(size_of))
                )
            }
            quantities = dict(
                (size_of[variant_id], quantity)
                for variant_id, quantity in await session.execute(
                    select(ProductVariant.id, ProductVariant.inventory_quantity).where(
                        ProductVariant.id.in_(size_of)
                    )
                )
            )
            total = await session.scalar(
                select(Product.total_inventory).where(Product.id == product_id)
            )
            pending = [
                (size_of[p.variant_id], p.location_gid, p.available, p.base)
                for p in await pending_levels(session, [product_id])
            ]
        history = await self.client.get(f"/api/products/{product_id}/history", headers=self.headers)
        entry = history.json()["items"][0]

        def named(shape: Any) -> Any:
            text = repr(shape)
            text = re.sub(
                r"variant (\d+) at location (\d+)",
                lambda m: f"{size_of[int(m[1])]} at {place_of[int(m[2])]}",
                text,
            )
            return text

        return {
            "levels": levels,
            "quantities": quantities,
            "total": total,
            "version": await self.version(product_id),
            "audit": (entry["action"], named(entry["before"]), named(entry["after"])),
            "audit_stock": tuple(
                named((entry[side] or {}).get("stock")) for side in ("before", "after")
            ),
            "pending": pending,
        }


@pytest.fixture
async def catalog(
    client: httpx.AsyncClient, editor_headers: Headers, sessionmaker: Maker
) -> tuple[Catalog, list[int]]:
    ids = [
        int((await create_product(client, editor_headers, title=f"Tée «{n}»"))["id"])
        for n in range(3)
    ]
    locations = await _locations(sessionmaker)
    for product_id in ids:
        await _stock(sessionmaker, product_id, locations)
    return Catalog(client, editor_headers, sessionmaker, locations), ids


async def test_level_cells_save_as_the_stock_api_does(catalog: tuple[Catalog, list[int]]) -> None:
    stock, (grid, api, _) = catalog
    before = await stock.state(grid)
    await stock.cells(grid, (S, "B", 4), (M, "W", 9))  # S has no level in the back room yet
    await stock.stock_api(api, (S, "B", 4), (M, "W", 9))
    by_grid, by_api = await stock.state(grid), await stock.state(api)
    assert by_grid == by_api
    assert by_grid["levels"] == {
        (S, "P"): 10,
        (S, "W"): 5,
        (S, "B"): 4,
        (M, "P"): None,  # its neighbour edited, it stays unknown (not 0)
        (M, "W"): 9,
        (M, "B"): 7,
    }
    assert by_grid["quantities"] == {S: 19, M: 16} and by_grid["total"] == 35
    page = await stock.client.get(
        "/api/products/grid",
        params={"columns": f"inventory_quantity,{stock.column('P')}", "q": "«0»"},
        headers=stock.headers,
    )
    shown = {row["variant_id"]: row["values"] for row in page.json()["rows"]}
    variants = await stock.variants(grid)
    assert shown[variants[M]] == {"inventory_quantity": 16, stock.column("P"): None}
    assert by_grid["version"] == before["version"] + 1
    assert by_grid["audit"][0] == "update"
    assert "'S at B': None" in by_grid["audit"][1] and "'M at W': 9" in by_grid["audit"][2]
    assert by_grid["pending"] == [
        (M, "gid://shopify/Location/2", 9, 3),  # compare-and-set from Shopify's last number
        (S, "gid://shopify/Location/3", 4, None),  # never seen there: read first
    ]


async def test_the_total_cell_moves_the_primary_level_as_a_product_edit_does(
    catalog: tuple[Catalog, list[int]],
) -> None:
    stock, (grid, edit, api) = catalog
    before = await stock.state(grid)
    variants = await stock.variants(grid)
    preview = await stock.post(
        "/api/products/batch/update-cells",
        {
            "cells": [
                {
                    "product_id": grid,
                    "variant_id": variants[M],
                    "field": "inventory_quantity",
                    "value": 12,
                }
            ],
            "dry_run": True,
        },
    )
    # The preview shows the level the total sets, as the cell is staged (and undone).
    assert preview["sample"][0]["after"] == {
        "variants": [{"id": variants[M], stock.column("P"): 2}]
    }
    assert preview["sample"][0]["before"] == {
        "variants": [{"id": variants[M], stock.column("P"): None}]
    }
    # S: 10 + 5 + nothing in the back room; M: unknown + 3 + 7.
    await stock.cells(grid, (S, "total", 20), (M, "total", 12))
    await stock.product_edit(edit, {S: 20, M: 12})
    by_grid, by_edit = await stock.state(grid), await stock.state(edit)
    assert by_grid["levels"] == {
        (S, "P"): 15,
        (S, "W"): 5,
        (M, "P"): 2,  # what the total leaves after the numbers elsewhere
        (M, "W"): 3,
        (M, "B"): 7,
    }
    assert by_grid["quantities"] == {S: 20, M: 12} and by_grid["total"] == 32
    assert by_grid["version"] == before["version"] + 1
    for key in ("levels", "quantities", "total", "version", "pending"):
        assert by_grid[key] == by_edit[key], key
    # Recorded as the level it set, as the stock API records it.
    await stock.stock_api(api, (S, "P", 15), (M, "P", 2))
    assert by_grid["audit"] == (await stock.state(api))["audit"]


async def test_undoing_stock_cells_puts_back_a_level_with_no_number_as_none(
    catalog: tuple[Catalog, list[int]],
) -> None:
    stock, (grid, _, _) = catalog
    before = await stock.state(grid)
    saved = await stock.cells(grid, (S, "B", 4), (M, "total", 12))
    assert (await stock.state(grid))["levels"][(M, "P")] == 2
    await stock.post(f"/api/products/batch/{saved['batch_id']}/undo")
    undone = await stock.state(grid)
    assert undone["levels"] == {**before["levels"], (S, "B"): None}  # the level stays, unknown
    assert undone["levels"][(M, "P")] is None
    assert (undone["quantities"], undone["total"]) == (before["quantities"], before["total"])
    assert undone["version"] == before["version"] + 2
    assert undone["pending"] == before["pending"] == []
    action, was, now = undone["audit"]
    assert action == "batch_undo"
    assert "'S at B': 4" in was and "'M at P': 2" in was
    assert "'S at B': None" in now and "'M at P': None" in now


@pytest.mark.parametrize("place", ["P", "W"])
async def test_a_variants_total_and_its_stock_at_a_location_in_one_save_are_refused(
    catalog: tuple[Catalog, list[int]], place: str
) -> None:
    """The total moves the primary's level from the numbers before the save, which the other
    cell changes: which total was meant is not known."""
    stock, (grid, _, _) = catalog
    before = await stock.state(grid)
    variants = await stock.variants(grid)
    cells = [
        {"product_id": grid, "variant_id": variants[S], "field": stock.column(c), "value": n}
        for c, n in (("total", 30), (place, 11))
    ]
    r = await stock.client.post(
        "/api/products/batch/update-cells", json={"cells": cells}, headers=stock.headers
    )
    assert r.status_code == 422, r.text
    assert [f["loc"][2] for f in r.json()["fields"]] == [0, 1]
    assert await stock.state(grid) == before
    ok = [{**cells[1], "variant_id": variants[M]}, cells[0]]  # another variant's: saved
    r = await stock.client.post(
        "/api/products/batch/update-cells", json={"cells": ok}, headers=stock.headers
    )
    assert r.status_code == 200, r.text
    assert (await stock.state(grid))["quantities"][S] == 30


async def test_a_save_sets_its_levels_a_part_at_a_time_as_it_would_at_once(
    catalog: tuple[Catalog, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    stock, (grid, api, _) = catalog
    monkeypatch.setattr(cells_operation, "LEVELS_AT_ONCE", 2)  # 3 levels: two parts
    await stock.cells(grid, (S, "B", 4), (M, "W", 9), (M, "B", 1))
    await stock.stock_api(api, (S, "B", 4), (M, "W", 9), (M, "B", 1))
    by_grid, by_api = await stock.state(grid), await stock.state(api)
    assert by_grid == by_api
    assert by_grid["quantities"] == {S: 19, M: 10} and by_grid["total"] == 29


async def test_a_quantity_edited_on_the_product_or_imported_sets_its_level_as_the_stock_api_does(
    catalog: tuple[Catalog, list[int]],
) -> None:
    """A product edit's and an import's quantities are written by the stock API's one write
    (`set_intents`): the same levels (a level with no number elsewhere left so, not 0), totals,
    version, push, and the audit entry's `stock` as the stock API records it."""
    stock, (edit, imported, api) = catalog
    before = await stock.state(edit)
    # S: 10 here + 5 at the warehouse → 20 moves the primary to 15; M: unknown here + 3 + 7 →
    # 12 leaves 2 here.
    await stock.product_edit(edit, {S: 20, M: 12})
    await stock.import_totals(imported, {S: 20, M: 12})
    await stock.stock_api(api, (S, "P", 15), (M, "P", 2))
    by_edit, by_import, by_api = [await stock.state(i) for i in (edit, imported, api)]
    assert by_edit["levels"] == {
        (S, "P"): 15,
        (S, "W"): 5,
        (M, "P"): 2,
        (M, "W"): 3,
        (M, "B"): 7,
    }
    assert by_edit["quantities"] == {S: 20, M: 12} and by_edit["total"] == 32
    assert by_edit["version"] == before["version"] + 1
    assert by_edit["pending"] == [
        (S, "gid://shopify/Location/1", 15, 10),  # compare-and-set from Shopify's number
        (M, "gid://shopify/Location/1", 2, None),  # never seen there: read first
    ]
    assert by_edit["audit_stock"] == (
        "{'S at P': 10, 'M at P': None}",
        "{'S at P': 15, 'M at P': 2}",
    )
    for key in ("levels", "quantities", "total", "version", "pending", "audit_stock"):
        assert by_edit[key] == by_api[key] == by_import[key], key


async def _no_location(sessionmaker: Maker) -> None:
    """No location known at all, no level: the quantities stand alone."""
    async with sessionmaker() as session, session.begin():
        await session.execute(delete(InventoryLevel))
        await session.execute(delete(Location))


async def test_the_total_with_no_location_known_sets_the_primary_level_a_product_edit_sets(
    client: httpx.AsyncClient, editor_headers: Headers, sessionmaker: Maker
) -> None:
    """No location known here: the Stock total is still a level (the primary location's, a
    placeholder until the locations are pulled), as a product edit's quantity is; never a
    quantity with no level, which no push sends and the next pull's levels overwrite."""
    grid, edit = [
        int((await create_product(client, editor_headers, title=f"Tée «{n}»"))["id"])
        for n in range(2)
    ]
    await _no_location(sessionmaker)
    stock = Catalog(client, editor_headers, sessionmaker, [])
    columns = await client.get("/api/products/grid/columns", headers=editor_headers)
    assert [c["key"] for c in columns.json() if c["key"].startswith("stock_at_")] == []
    before = await stock.version(grid)
    await stock.cells(grid, (S, "total", 9))
    await stock.product_edit(edit, {S: 9})
    async with sessionmaker() as session:
        placeholders = list(await session.scalars(select(Location)))
    assert [(p.name, p.is_primary, p.shopify_location_id) for p in placeholders] == [
        ("Primary location", True, None)  # one, which the pull gives the store's primary's id
    ]
    stock.locations = [placeholders[0].id]
    by_grid, by_edit = await stock.state(grid), await stock.state(edit)
    assert by_grid["levels"] == {(S, "P"): 9}  # M: still no level (unknown, not 0)
    assert by_grid["quantities"] == {S: 9, M: 7} and by_grid["total"] == 16
    assert by_grid["version"] == before + 1
    assert by_grid["audit_stock"] == ("{'S at P': None}", "{'S at P': 9}")
    for key in ("levels", "quantities", "total", "version", "audit_stock", "pending"):
        assert by_grid[key] == by_edit[key], key


async def test_the_total_with_the_primary_location_deactivated_is_refused(
    client: httpx.AsyncClient, editor_headers: Headers, sessionmaker: Maker
) -> None:
    """A primary location known only as deactivated stocks nothing: the total is refused, as a
    level there is by the stock API and imports, and nothing is written."""
    product = int((await create_product(client, editor_headers, title="Tée"))["id"])
    async with sessionmaker() as session, session.begin():
        for location in await session.scalars(select(Location)):
            location.is_active = False
    stock = Catalog(client, editor_headers, sessionmaker, [])
    variants, version = await stock.variants(product), await stock.version(product)
    cell = {"product_id": product, "variant_id": variants[S], "field": "inventory_quantity"}
    r = await client.post(
        "/api/products/batch/update-cells",
        json={"cells": [{**cell, "value": 9, "version": version}]},
        headers=editor_headers,
    )
    assert r.status_code == 422, r.text
    assert "primary location is deactivated" in r.json()["detail"]
    assert await stock.version(product) == version
    async with sessionmaker() as session:
        quantities = set(
            await session.scalars(
                select(ProductVariant.inventory_quantity).where(
                    ProductVariant.product_id == product
                )
            )
        )
    assert quantities == {5, 7}
