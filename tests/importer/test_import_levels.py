"""Our export's `available at <location>` columns read back by the import: a cell sets that
variant's level there (totals derived), an empty one says nothing, a location the dashboard
cannot stock refuses the file, a total disagreeing with edited cells is a row error, and the
preview, results and undo carry the levels. The push to Shopify: tests/sync/test_import_levels.py.
"""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import httpx
import pytest
import xlsxwriter
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from product_dashboard.audit.service import Actor
from product_dashboard.importer import service
from product_dashboard.importer.parse import read_rows
from product_dashboard.importer.results import ImportResults
from product_dashboard.importer.service import ImportReport, run_import
from product_dashboard.importer.xlsx import sheet_rows
from product_dashboard.inventory.locations import primary_location_id
from product_dashboard.models import (
    AuditSource,
    InventoryLevel,
    Job,
    Location,
    Product,
    ProductVariant,
)
from product_dashboard.models.inventory import PLACEHOLDER_PRIMARY_NAME
from tests.batch.helpers import wait_job
from tests.importer.test_import import Headers, upload
from tests.sync.test_push_preview import all_results

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

PRIMARY = f"available at {PLACEHOLDER_PRIMARY_NAME}"
WAREHOUSE = "available at Warehouse"
HATS = (
    "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,Variant Inventory Qty\n"
    "hat,Hat,Size,S,H-S,10.00,5\n"
    "hat,,Size,M,H-M,10.00,7\n"
)


async def _hats(client: httpx.AsyncClient, headers: Headers, engine: AsyncEngine) -> int:
    """The hat (S: 5 at the primary location, 3 at the warehouse; M: 7 at the primary, none
    known at the warehouse) and a deactivated location; the warehouse's id."""
    async with engine.begin() as connection:
        await primary_location_id(connection)
        warehouse = await connection.scalar(
            insert(Location).values(name="Warehouse", is_active=True).returning(Location.id)
        )
        await connection.execute(insert(Location).values(name="Closed shop", is_active=False))
    seeded = await upload(client, headers, HATS)
    assert seeded.status_code == 200, seeded.text
    async with engine.connect() as connection:
        product_id, variant_id = (
            await connection.execute(
                select(ProductVariant.product_id, ProductVariant.id).where(
                    ProductVariant.sku == "H-S"
                )
            )
        ).one()
    edit = {"variant_id": variant_id, "location_id": warehouse, "available": 3}
    put = await client.put(
        f"/api/products/{product_id}/stock", json={"levels": [edit]}, headers=headers
    )
    assert put.status_code == 200, put.text
    assert warehouse is not None
    return int(warehouse)


async def _export(client: httpx.AsyncClient, headers: Headers) -> list[dict[str, str]]:
    exported = await client.post(
        "/api/products/batch/export", json={"format": "csv", "filter": {}}, headers=headers
    )
    assert exported.status_code == 200, exported.text
    return list(csv.DictReader(io.StringIO(exported.text)))


def _csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _row(rows: list[dict[str, str]], sku: str) -> dict[str, str]:
    return next(row for row in rows if row["sku"] == sku)


async def _levels(engine: AsyncEngine) -> dict[tuple[str, str], int | None]:
    """(sku, location name) → available."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(ProductVariant.sku, Location.name, InventoryLevel.available)
            .join(ProductVariant, ProductVariant.id == InventoryLevel.variant_id)
            .join(Location, Location.id == InventoryLevel.location_id)
        )
        return {(str(sku), str(name)): available for sku, name, available in rows}


async def _totals(engine: AsyncEngine) -> tuple[dict[str, int], int, int]:
    """Each variant's quantity by sku, the hat's total and version."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(ProductVariant.sku, ProductVariant.inventory_quantity)
        )
        variants = {str(sku): int(quantity) for sku, quantity in rows}
        total, version = (
            await connection.execute(
                select(Product.total_inventory, Product.version).where(Product.handle == "hat")
            )
        ).one()
    return variants, int(total), int(version)


BEFORE = {
    ("H-S", PLACEHOLDER_PRIMARY_NAME): 5,
    ("H-S", "Warehouse"): 3,
    ("H-M", PLACEHOLDER_PRIMARY_NAME): 7,
}


async def test_a_cell_edited_sets_its_level_an_empty_one_keeps_it_and_the_export_shows_it(
    client: httpx.AsyncClient, editor_headers: Headers, engine: AsyncEngine
) -> None:
    await _hats(client, editor_headers, engine)
    rows = await _export(client, editor_headers)
    assert (_row(rows, "H-S")[WAREHOUSE], _row(rows, "H-M")[WAREHOUSE]) == ("3", "")
    _row(rows, "H-S")[WAREHOUSE] = "9"
    _row(rows, "H-M")[PRIMARY] = ""  # says nothing: the 7 stays (never 0)

    r = await upload(client, editor_headers, _csv(rows))

    assert r.status_code == 200, r.text
    [result] = r.json()["results"]
    assert result["outcome"] == "updated" and "stock" in result["reason"], result
    assert await _levels(engine) == {**BEFORE, ("H-S", "Warehouse"): 9}
    variants, total, _ = await _totals(engine)
    assert (variants, total) == ({"H-S": 14, "H-M": 7}, 21)
    again = await _export(client, editor_headers)
    assert (_row(again, "H-S")[WAREHOUSE], _row(again, "H-S")["inventory_quantity"]) == ("9", "14")
    assert _row(again, "H-M")[PRIMARY] == "7"
    version = (await _totals(engine))[2]
    unchanged = await upload(client, editor_headers, _csv(again))
    assert unchanged.status_code == 200, unchanged.text
    assert [x["outcome"] for x in unchanged.json()["results"]] == ["unchanged"]
    assert (await _totals(engine))[2] == version


async def test_a_dry_run_previews_the_level_and_writes_nothing(
    client: httpx.AsyncClient, editor_headers: Headers, engine: AsyncEngine
) -> None:
    await _hats(client, editor_headers, engine)
    rows = await _export(client, editor_headers)
    _row(rows, "H-S")[WAREHOUSE] = "9"
    _row(rows, "H-M")[WAREHOUSE] = "4"  # a first number there
    before = await _totals(engine)

    r = await upload(client, editor_headers, _csv(rows), dry_run="true")

    assert r.status_code == 200, r.text
    [change] = r.json()["preview"]
    stock = {(c["path"], str(c["old"]), str(c["new"])) for c in change["changes"]}
    assert stock >= {("stock[S.Warehouse].available", "3", "9")}
    added = [c for c in change["changes"] if c["path"] == "stock[M.Warehouse]"]
    assert [(c["kind"], c["new"]["available"]) for c in added] == [("added", 4)]
    assert await _levels(engine) == BEFORE
    assert await _totals(engine) == before


@pytest.mark.parametrize(
    ("column", "why"),
    [
        ("available at Nowhere", "knows no location of this name"),
        ("available at Closed shop", "deactivated"),
    ],
)
async def test_a_column_of_a_location_not_to_stock_refuses_the_file_before_anything(
    client: httpx.AsyncClient, editor_headers: Headers, engine: AsyncEngine, column: str, why: str
) -> None:
    await _hats(client, editor_headers, engine)
    rows = [{**row, "price": "12.00", column: "4"} for row in await _export(client, editor_headers)]
    before = await _totals(engine)

    r = await upload(client, editor_headers, _csv(rows))

    assert r.status_code == 422, r.text
    body = r.json()
    assert column in body["detail"] and why in body["detail"]
    assert [f["loc"] for f in body["fields"]] == [["file", column]]
    assert await _totals(engine) == before, "nothing written: not even the prices"
    assert await _levels(engine) == BEFORE


async def test_a_cell_not_a_whole_number_is_a_row_error(
    client: httpx.AsyncClient, editor_headers: Headers, engine: AsyncEngine
) -> None:
    await _hats(client, editor_headers, engine)
    rows = await _export(client, editor_headers)
    _row(rows, "H-M")[WAREHOUSE] = "lots"

    r = await upload(client, editor_headers, _csv(rows))

    assert r.status_code == 422, r.text
    errors = r.json()["report"]["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(3, WAREHOUSE)]
    assert await _levels(engine) == BEFORE


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        ("8", {**BEFORE, ("H-S", "Warehouse"): 9}),  # the total as it was: derived, 14
        ("14", {**BEFORE, ("H-S", "Warehouse"): 9}),  # the new sum: agrees
        ("20", None),  # neither: the file says two things
    ],
)
async def test_a_total_beside_an_edited_cell_is_derived_or_agrees_else_a_row_error(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    engine: AsyncEngine,
    quantity: str,
    expected: dict[tuple[str, str], int] | None,
) -> None:
    await _hats(client, editor_headers, engine)
    rows = await _export(client, editor_headers)
    _row(rows, "H-S")[WAREHOUSE] = "9"
    _row(rows, "H-S")["inventory_quantity"] = quantity

    r = await upload(client, editor_headers, _csv(rows))

    if expected is None:
        assert r.status_code == 422, r.text
        [error] = r.json()["report"]["errors"]
        assert (error["row"], error["field"]) == (2, "variants.0.inventory_quantity")
        assert "add up to 14" in error["message"]
        assert await _levels(engine) == BEFORE
        return
    assert r.status_code == 200, r.text
    assert await _levels(engine) == expected
    assert (await _totals(engine))[:2] == ({"H-S": 14, "H-M": 7}, 21)


async def test_a_total_edited_with_the_cells_as_they_were_moves_the_primary_location(
    client: httpx.AsyncClient, editor_headers: Headers, engine: AsyncEngine
) -> None:
    """As before the cells were read: a change of the total moves the primary location's level
    by as much; the cells, unedited, say nothing against it (another row's edited cell, in the
    same file, is read)."""
    await _hats(client, editor_headers, engine)
    rows = await _export(client, editor_headers)
    _row(rows, "H-S")["inventory_quantity"] = "10"
    _row(rows, "H-M")[WAREHOUSE] = "4"

    r = await upload(client, editor_headers, _csv(rows))

    assert r.status_code == 200, r.text
    assert await _levels(engine) == {
        **BEFORE,
        ("H-S", PLACEHOLDER_PRIMARY_NAME): 7,
        ("H-M", "Warehouse"): 4,
    }
    assert (await _totals(engine))[:2] == ({"H-S": 10, "H-M": 11}, 21)


async def test_undo_of_an_import_job_puts_its_levels_back(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    engine: AsyncEngine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await _hats(client, editor_headers, engine)
    rows = await _export(client, editor_headers)
    _row(rows, "H-S")[WAREHOUSE] = "9"
    _row(rows, "H-M")[WAREHOUSE] = "4"  # no number there before
    before = await _totals(engine)
    monkeypatch.setattr("product_dashboard.importer.endpoints.SYNC_LIMIT", 1)

    imported = await upload(client, editor_headers, _csv(rows))
    job = await wait_job(client, editor_headers, imported.json()["job_id"])
    assert job["state"] == "completed" and job["report"]["committed"] is True, job
    [done] = await all_results(client, editor_headers, job["id"], "done")
    assert {c["path"] for c in done["changes"]} >= {
        "stock[S.Warehouse].available",
        "stock[M.Warehouse]",
    }
    assert await _levels(engine) == {**BEFORE, ("H-S", "Warehouse"): 9, ("H-M", "Warehouse"): 4}

    started = await client.post(f"/api/jobs/{job['id']}/undo", json={}, headers=editor_headers)
    assert started.status_code == 202, started.text
    undone = await wait_job(client, editor_headers, started.json()["job_id"])
    assert undone["state"] == "completed", undone
    assert undone["report"]["not_restored"] == []
    levels = await _levels(engine)
    assert levels == {**BEFORE, ("H-M", "Warehouse"): None}, "a level made: unknown again"
    assert (await _totals(engine))[:2] == before[:2]


async def test_an_xlsx_export_edited_and_imported_sets_the_level(
    client: httpx.AsyncClient, editor_headers: Headers, engine: AsyncEngine, tmp_path: Path
) -> None:
    await _hats(client, editor_headers, engine)
    exported = await client.post(
        "/api/products/batch/export", json={"format": "xlsx", "filter": {}}, headers=editor_headers
    )
    assert exported.status_code == 200, exported.text
    source = tmp_path / "export.xlsx"
    source.write_bytes(exported.content)
    header, *rows = list(sheet_rows(source))
    sku, column = header.index("sku"), header.index(WAREHOUSE)
    for row in rows:
        if row[sku] == "H-S":
            row[column] = "11"
    edited = tmp_path / "edited.xlsx"
    book = xlsxwriter.Workbook(str(edited))
    sheet = book.add_worksheet()
    for line, cells in enumerate([header, *rows]):
        sheet.write_row(line, 0, cells)
    book.close()

    files = {"file": ("products.xlsx", edited.read_bytes(), "application/octet-stream")}
    r = await client.post("/api/products/import", files=files, headers=editor_headers)

    assert r.status_code == 200, r.text
    assert await _levels(engine) == {**BEFORE, ("H-S", "Warehouse"): 11}
    assert (await _totals(engine))[:2] == ({"H-S": 16, "H-M": 7}, 23)


VARIANTS = 2_048


async def test_a_product_of_2048_variants_at_two_locations_one_cell_edited(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    engine: AsyncEngine,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Re-imported with one warehouse cell edited, only that level changes; the export of that
    re-imported unchanged. The times are printed (no timed assertion)."""
    async with engine.begin() as connection:
        primary = await primary_location_id(connection)
        warehouse = await connection.scalar(
            insert(Location).values(name="Warehouse", is_active=True).returning(Location.id)
        )
    lines = [
        "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,Variant Inventory Qty"
    ]
    lines += [f"big,Big,Size,S{n:04},B-{n:04},1.00,{n % 7}" for n in range(VARIANTS)]
    created = await upload(client, editor_headers, "\n".join(lines) + "\n")
    assert created.status_code == 202, created.text
    job = await wait_job(client, editor_headers, created.json()["job_id"])
    assert job["state"] == "completed", job
    async with engine.begin() as connection:
        ids = list(await connection.scalars(select(ProductVariant.id)))
        await connection.execute(
            insert(InventoryLevel),
            [{"variant_id": i, "location_id": warehouse, "available": i % 5} for i in ids],
        )
    assert primary != warehouse
    rows = await _export(client, editor_headers)
    assert len(rows) == VARIANTS and all(row[WAREHOUSE] != "" for row in rows)
    before = await _levels(engine)
    rows[-1][WAREHOUSE] = "999"

    timings = []
    for text in (_csv(rows), None):
        started = time.perf_counter()
        r = await upload(
            client, editor_headers, text or _csv(await _export(client, editor_headers))
        )
        done = await wait_job(client, editor_headers, r.json()["job_id"])
        timings.append(time.perf_counter() - started)
        assert done["state"] == "completed", done
        outcome = [x["outcome"] for x in done["report"]["results"]]
        assert outcome == (["updated"] if text else ["unchanged"])
    assert await _levels(engine) == {**before, (rows[-1]["sku"], "Warehouse"): 999}
    with capsys.disabled():
        print(
            f"\n2,048 variants x 2 locations: edited {timings[0]:.1f} s, "
            f"unchanged {timings[1]:.1f} s"
        )


async def test_an_abort_import_failing_in_its_commit_pass_takes_its_levels_back(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The hat's cell is committed with the first chunk; a product of a later chunk deleted
    meanwhile (its row has no title: it cannot be made again) fails the commit pass, and what
    was committed is taken back from the job's results: the level too."""
    await _hats(client, editor_headers, engine)
    seeded = await upload(client, editor_headers, "Handle,Title,Variant Price\ncap,Cap,3.00\n")
    assert seeded.status_code == 200, seeded.text
    rows = await _export(client, editor_headers)
    _row(rows, "H-S")[WAREHOUSE] = "9"
    cap = next(row for row in rows if row["handle"] == "cap")
    cap["title"] = ""
    monkeypatch.setattr(service, "CHUNK", 1)
    raced = False

    async def progress(report: ImportReport) -> None:
        nonlocal raced
        if report.checked_rows and report.between_chunks and report.products == 1 and not raced:
            raced = True  # the commit pass's first chunk (the hat) is committed
            assert await _hat_levels(engine) == {**BEFORE, ("H-S", "Warehouse"): 9}
            gone = await client.delete(f"/api/products/{cap['product_id']}", headers=editor_headers)
            assert gone.status_code == 204, gone.text

    async with sessionmaker() as session, session.begin():
        session.add(Job(id="import", type="product.import", params={}))
    report = await run_import(
        sessionmaker,
        list(read_rows(iter(csv.reader(io.StringIO(_csv(rows)))))),
        Actor(source=AuditSource.import_),
        dry_run=False,
        on_error="abort",
        progress=progress,
        recorder=ImportResults("import", dry_run=False),
    )

    assert raced and not report.committed
    assert report.revert is not None and report.revert["reverted"] == 1, report.revert
    assert await _hat_levels(engine) == BEFORE
    variants, total, _ = await _totals(engine)
    assert ((variants["H-S"], variants["H-M"]), total) == ((8, 7), 15)


async def _hat_levels(engine: AsyncEngine) -> dict[tuple[str, str], int | None]:
    return {key: n for key, n in (await _levels(engine)).items() if key[0].startswith("H-")}
