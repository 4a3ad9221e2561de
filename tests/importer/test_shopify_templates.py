"""Shopify's own product CSV templates (both header generations) in and out, column by column.

The templates live outside the repository (`../shared/shopify/`, or the folder named by
`SHOPIFY_CSV_TEMPLATES`); the tests that read them skip, saying where they looked, when absent.
"""

from __future__ import annotations

import csv
import io
import os
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import xlsxwriter
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from product_dashboard.export.shopify_columns import SHOPIFY_BY_KEY, export_header
from product_dashboard.importer.headers import SHOPIFY_ALIASES
from product_dashboard.models import Product, ProductVariant
from tests.importer.test_import import Headers, all_products, upload

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
LEGACY = "product-template-legacy-headers.csv"
CURRENT = "product-template-2024-headers.csv"


def template(name: str) -> str:
    folder = Path(os.environ.get("SHOPIFY_CSV_TEMPLATES", "../shared/shopify"))
    path = (folder if folder.is_absolute() else REPO_ROOT / folder) / name
    if not path.is_file():
        pytest.skip(f"Shopify's CSV template not found at {path} (set SHOPIFY_CSV_TEMPLATES)")
    return path.read_text(encoding="utf-8")


async def export(client: httpx.AsyncClient, headers: Headers, format: str) -> str:
    r = await client.post(
        "/api/products/batch/export",
        json={"format": format, "filter": {}, "protect_formulas": False},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    return r.text


def table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.postgres
@pytest.mark.parametrize(("name", "products"), [(LEGACY, 3), (CURRENT, 2)])
async def test_both_templates_import_without_a_rejected_row(
    client: httpx.AsyncClient, editor_headers: Headers, name: str, products: int
) -> None:
    r = await upload(client, editor_headers, template(name))
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["failed"], report["created"], report["errors"]) == (0, products, [])
    assert [result["outcome"] for result in report["results"]] == ["created"] * products
    assert report["results"][0]["row"] == 2 and report["results"][0]["handle"]


async def test_legacy_template_columns_land_where_documented(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    await upload(client, editor_headers, template(LEGACY))
    products = {p["handle"]: p for p in await all_products(client, editor_headers)}
    pants = products["example-pants"]
    first = pants["variants"][0]
    # 226.796185 g (8 oz): whole grams for the catalog, the exact figure kept beside them.
    assert first["weight_grams"] == 227 and first["extra_columns"]["grams"] == "226.796185"
    assert first["extra_columns"]["weight_unit"] == "oz"
    assert first["extra_columns"]["cost"] == "50"
    assert first["extra_columns"]["Google Shopping / MPN"] == "779201956374"
    assert first["extra_columns"]["Included / United States"] == "TRUE"
    assert pants["extra_columns"]["seo_title"] == "Example Jeans | Test Store"
    assert pants["extra_columns"]["published"] == "FALSE" and pants["status"] == "draft"
    assert len(pants["images"]) == 4 and len(pants["variants"]) == 3
    hat = products["example-hat"]
    assert hat["options"] == [] and hat["status"] == "archived"


async def test_current_template_keeps_linked_options_metafields_and_digital_flags(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    await upload(client, editor_headers, template(CURRENT))
    products = {p["handle"]: p for p in await all_products(client, editor_headers)}
    shirt = products["physical-product-the-band-t-shirt"]
    assert shirt["extra_columns"]["option2_linked_to"] == "product.metafields.shopify.color-pattern"
    assert (
        shirt["extra_columns"]["Color (product.metafields.shopify.color-pattern)"]
        == "green; gray; red"
    )
    assert len(shirt["variants"]) == 12
    assert shirt["variants"][1]["extra_columns"]["tax_code"] == "20010"
    book = products["digital-product-the-history-of-rock-music"]
    kept = book["variants"][0]["extra_columns"]
    assert (kept["requires_shipping"], kept["inventory_policy"]) == ("FALSE", "CONTINUE")
    assert kept["fulfillment_service"] == "music-man-fulfillment"
    assert "inventory_tracker" not in kept  # empty in the file: untracked, not "shopify"


def _normal(key: str, value: str, variant_row: bool) -> str:
    """The catalog's spelling of a cell: amounts to cents, status in lower case, a variant's
    empty inventory count as 0. Everything else must come back exactly as Shopify wrote it."""
    if key in ("price", "compare_at_price") and value:
        return str(Decimal(value).quantize(Decimal("0.01")))
    if key == "status":
        return value.lower()
    if key == "inventory" and variant_row:
        return value or "0"
    return value


@pytest.mark.parametrize("name", [LEGACY, CURRENT])
async def test_every_cell_of_a_template_comes_back_in_the_shopify_export(
    client: httpx.AsyncClient, editor_headers: Headers, name: str
) -> None:
    original = template(name)
    await upload(client, editor_headers, original)
    exported = table(await export(client, editor_headers, "shopify_csv"))
    rows = table(original)
    assert len(exported) == len(rows)
    by_alias = {alias: key for key, aliases in SHOPIFY_ALIASES.items() for alias in aliases}
    lost: list[tuple[int, str, str, str]] = []
    for number, (before, after) in enumerate(zip(rows, exported, strict=True), start=2):
        for header, value in before.items():
            key = by_alias.get(header.lower())
            out = export_header(SHOPIFY_BY_KEY[key]) if key else header
            if key == "title" and number > 2 and not value:
                continue
            expected = _normal(key or "", value, bool(after["Variant Price"]))
            if key == "handle":
                expected = before[header] or after["Handle"]
            if after.get(out, "") != expected and not (key == "handle" and not value):
                lost.append((number, header, value, after.get(out, "")))
    assert lost == []


@pytest.mark.postgres
@pytest.mark.parametrize("name", [LEGACY, CURRENT])
@pytest.mark.parametrize("format", ["shopify_csv", "csv"])
async def test_export_import_export_is_byte_identical(
    client: httpx.AsyncClient, editor_headers: Headers, name: str, format: str
) -> None:
    await upload(client, editor_headers, template(name))
    first = await export(client, editor_headers, format)
    r = await upload(client, editor_headers, first)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["unchanged"] == report["products"] and report["failed"] == 0, report["results"]
    assert {result["outcome"] for result in report["results"]} == {"unchanged"}
    assert await export(client, editor_headers, format) == first


async def test_a_store_export_with_2025_headers_unicode_and_market_columns(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    text = (
        "Title,URL handle,Description,Vendor,Product category,Type,Tags,"
        "Published on online store,Status,SKU,Barcode,Option1 name,Option1 value,"
        "Option1 Linked To,Price,Compare-at price,Cost per item,Charge tax,Tax code,"
        "Unit price total measure,Unit price total measure unit,Inventory tracker,"
        "Inventory quantity,Continue selling when out of stock,Weight value (grams),"
        "Weight unit for display,Requires shipping,Fulfillment service,Product image URL,"
        "Image position,Image alt text,Variant image URL,Gift card,SEO title,SEO description,"
        "Chất liệu (product.metafields.custom.chat_lieu),Price / Việt Nam,"
        "Compare-at price / Việt Nam,Included / Việt Nam\n"
        'Nhẫn bạc,nhẫn-1,<p>Nhẫn bạc 925</p>,Bạc Ý,,Nhẫn,"bạc, nhẫn",TRUE,Active,N1-S,,'
        "Size,1PC,,150000,,90000,TRUE,,1,g,shopify,5,DENY,2.5,g,TRUE,manual,"
        "https://cdn.example.com/n1.jpg,1,Nhẫn,,FALSE,Nhẫn bạc | Cửa hàng,Mô tả,Bạc 925,"
        "149000,,TRUE\n"
        ",nhẫn-1,,,,,,,,N1-M,,,2PC,,160000,,95000,TRUE,,,,shopify,3,DENY,2.75,g,TRUE,manual,"
        ",,,,,,,,159000,,TRUE\n"
    )
    r = await upload(client, editor_headers, text)
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["failed"]) == (1, 0), r.json()["errors"]
    (ring,) = await all_products(client, editor_headers)
    assert ring["handle"] == "nhẫn-1" and ring["status"] == "active"
    assert [v["weight_grams"] for v in ring["variants"]] == [2, 3]  # 2.5 to even
    kept = ring["variants"][1]["extra_columns"]
    assert (kept["grams"], kept["Price / Việt Nam"]) == ("2.75", "159000")
    assert ring["extra_columns"]["Chất liệu (product.metafields.custom.chat_lieu)"] == "Bạc 925"
    exported = table(await export(client, editor_headers, "shopify_csv"))
    assert [row["Variant Grams"] for row in exported] == ["2.5", "2.75"]
    assert [row["Price / Việt Nam"] for row in exported] == ["149000", "159000"]
    assert exported[0]["Unit price total measure"] == "1"
    again = await upload(client, editor_headers, text)
    assert again.json()["results"] == [
        {
            "row": 2,
            "last_row": 3,
            "handle": "nhẫn-1",
            "outcome": "unchanged",
            "reason": "the catalog already holds every value of these rows",
        }
    ]


async def test_the_catalogs_own_values_win_over_kept_cells_in_both_exports(
    client: httpx.AsyncClient, editor_headers: Headers, engine: AsyncEngine
) -> None:
    await upload(client, editor_headers, template(LEGACY))
    async with engine.begin() as connection:
        await connection.execute(
            update(Product)
            .where(Product.handle == "example-hat")
            .values(published_online_store=True, seo_title="Warm hat")
        )
        hat_id = await connection.scalar(select(Product.id).where(Product.handle == "example-hat"))
        await connection.execute(
            update(ProductVariant)
            .where(ProductVariant.product_id == hat_id)
            .values(taxable=False, requires_shipping=True)
        )
    shopify = {
        row["Handle"]: row for row in table(await export(client, editor_headers, "shopify_csv"))
    }
    hat = shopify["example-hat"]
    # The template said Published FALSE and SEO title "Example Beanie | Test Store"; the
    # catalog now knows better. What it does not know (the weight unit) stays as imported.
    assert (hat["Published"], hat["SEO Title"], hat["Variant Taxable"]) == (
        "TRUE",
        "Warm hat",
        "FALSE",
    )
    assert (hat["Variant Requires Shipping"], hat["Variant Weight Unit"]) == ("TRUE", "g")
    ours = {row["handle"]: row for row in table(await export(client, editor_headers, "csv"))}
    assert (ours["example-hat"]["published_online_store"], ours["example-hat"]["taxable"]) == (
        "TRUE",
        "FALSE",
    )
    # The template's Variant Taxable now lands in the field (it was only kept before).
    assert ours["example-pants"]["taxable"] == "TRUE"


def test_the_importer_docs_list_every_column_of_both_templates() -> None:
    docs = (REPO_ROOT / "docs" / "IMPORT.md").read_text(encoding="utf-8")
    rows = [line for line in docs.splitlines() if line.startswith("| ")]
    for column in SHOPIFY_BY_KEY.values():
        for header in (column.legacy, column.current):
            if header is None:
                continue
            name = header.split(" (product.")[0]
            assert any(name in row for row in rows), header


@pytest.mark.parametrize("name", [LEGACY, CURRENT])
async def test_a_template_saved_as_a_workbook_imports_the_same(
    client: httpx.AsyncClient, editor_headers: Headers, name: str, tmp_path: Path
) -> None:
    """Excel keeps the cells as text: the same rows, the same products, the same kept columns."""
    rows = list(csv.reader(io.StringIO(template(name))))
    path = tmp_path / "template.xlsx"
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    sheet = workbook.add_worksheet()
    for number, row in enumerate(rows):
        sheet.write_row(number, 0, row)
    workbook.close()
    files = {"file": ("template.xlsx", path.read_bytes(), "application/octet-stream")}
    r = await client.post("/api/products/import", files=files, headers=editor_headers)
    assert r.status_code == 200, r.text
    assert (r.json()["failed"], r.json()["errors"]) == (0, [])
    from_xlsx = await all_products(client, editor_headers)
    r = await upload(client, editor_headers, template(name))
    assert {x["outcome"] for x in r.json()["results"]} == {"unchanged"}
    assert await all_products(client, editor_headers) == from_xlsx


async def test_a_file_without_a_weight_column_keeps_the_stored_weights(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    await upload(client, editor_headers, template(LEGACY))
    rows = list(csv.reader(io.StringIO(template(LEGACY))))
    grams = rows[0].index("Variant Grams")
    without = "".join(
        ",".join(f'"{c}"' for i, c in enumerate(row) if i != grams) + "\n" for row in rows
    )
    r = await upload(client, editor_headers, without)
    assert {x["outcome"] for x in r.json()["results"]} == {"unchanged"}, r.json()["results"]
    pants = {p["handle"]: p for p in await all_products(client, editor_headers)}["example-pants"]
    assert [v["weight_grams"] for v in pants["variants"]] == [227, 283, 397]


async def test_a_file_with_a_few_columns_changes_only_those(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    await upload(client, editor_headers, template(LEGACY))
    before = {p["handle"]: p for p in await all_products(client, editor_headers)}["example-pants"]
    prices = "Handle,Option1 Name,Option1 Value,Variant Price\n" + "".join(
        f"example-pants,{'Size' if i == 0 else ''},{size},99.00\n"
        for i, size in enumerate(("28", "30", "40"))
    )
    r = await upload(client, editor_headers, prices)
    assert [(x["outcome"], x["reason"]) for x in r.json()["results"]] == [
        ("updated", "changed: variants")
    ]
    after = {p["handle"]: p for p in await all_products(client, editor_headers)}["example-pants"]
    assert [v["price"] for v in after["variants"]] == ["99.00"] * 3
    unchanged = ("sku", "barcode", "compare_at_price", "inventory_quantity", "weight_grams", "id")
    for old, new in zip(before["variants"], after["variants"], strict=True):
        assert {k: new[k] for k in unchanged} == {k: old[k] for k in unchanged}
        assert new["extra_columns"] == old["extra_columns"]
    assert after["images"] == before["images"] and after["extra_columns"] == before["extra_columns"]
