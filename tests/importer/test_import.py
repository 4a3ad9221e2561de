from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import httpx
import pytest

from tests.batch.helpers import wait_job
from tests.product.factories import create_product

pytestmark = pytest.mark.integration

Headers = dict[str, str]

OLD_HEADERS = (
    "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,"
    "Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,Variant SKU,"
    "Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,"
    "Variant Fulfillment Service,Variant Price,Variant Compare At Price,Variant Requires Shipping,"
    "Variant Taxable,Variant Barcode,Image Src,Image Position,Image Alt Text,Gift Card,Status\n"
)
OLD_CSV = OLD_HEADERS + (
    'linen-shirt,Linen Shirt,"<p>Cool, light</p>",Acme,Apparel & Accessories > Clothing,Shirts,'
    '"linen, summer",TRUE,Size,S,Color,White,,,LS-S-W,250,shopify,4,deny,manual,39.00,45.00,'
    "TRUE,TRUE,123456,https://cdn.example.com/ls1.jpg,1,Front,FALSE,active\n"
    "linen-shirt,,,,,,,,,M,,White,,,LS-M-W,260,shopify,2,deny,manual,41.00,,TRUE,TRUE,,"
    "https://cdn.example.com/ls2.jpg,2,,,\n"
    "linen-shirt,,,,,,,,,,,,,,,,,,,,,,,,,https://cdn.example.com/ls3.jpg,3,Back,,\n"
    "gift-card,Gift Card,,Acme,,Cards,,FALSE,Title,Default Title,,,,,GC,0,,0,deny,manual,25.00,,"
    "FALSE,FALSE,,,,,TRUE,\n"
)
NEW_CSV = (
    "Title,URL handle,Description,Vendor,Product category,Type,Tags,Published on online store,"
    "Status,SKU,Barcode,Option1 name,Option1 value,Option2 name,Option2 value,Option3 name,"
    "Option3 value,Price,Compare-at price,Inventory quantity,Weight value (grams),"
    "Product image URL,Image position,Image alt text\n"
    "Wool Hat,wool-hat,<b>Warm</b>,Knits,,Hats,winter,TRUE,draft,WH-1,,Color,Grey,,,,,"
    "19.50,,7,90,https://cdn.example.com/hat.jpg,1,Hat\n"
    ",wool-hat,,,,,,,,WH-2,,,Navy,,,,,19.50,,3,90,,,\n"
)


async def upload(
    client: httpx.AsyncClient, headers: Headers, text: str, **form: str
) -> httpx.Response:
    files = {"file": ("products.csv", text.encode(), "text/csv")}
    return await client.post("/api/products/import", files=files, data=form, headers=headers)


async def all_products(client: httpx.AsyncClient, headers: Headers) -> list[dict[str, Any]]:
    page = (await client.get("/api/products?per_page=200&sort=title", headers=headers)).json()
    result = []
    for item in page["items"]:
        result.append((await client.get(f"/api/products/{item['id']}", headers=headers)).json())
    return result


VOLATILE = {"id", "created_at", "updated_at", "version", "sync", "sync_state", "synced_snapshot"}


def comparable(product: dict[str, Any]) -> dict[str, Any]:
    clean = {k: v for k, v in product.items() if k not in VOLATILE}
    clean["variants"] = [{k: v for k, v in x.items() if k != "id"} for x in product["variants"]]
    clean["images"] = [{k: v for k, v in x.items() if k != "id"} for x in product["images"]]
    return clean


async def test_shopify_csv_with_old_headers(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    r = await upload(client, editor_headers, OLD_CSV)
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["created"], report["failed"], report["committed"]) == (2, 0, True)
    products = {p["handle"]: p for p in await all_products(client, editor_headers)}
    shirt = products["linen-shirt"]
    assert shirt["title"] == "Linen Shirt" and shirt["description_html"] == "<p>Cool, light</p>"
    assert shirt["tags"] == ["linen", "summer"] and shirt["status"] == "active"
    assert shirt["category"] == {"id": None, "name": "Apparel & Accessories > Clothing"}
    assert [o["name"] for o in shirt["options"]] == ["Size", "Color"]
    assert [
        (v["sku"], v["price"], v["compare_at_price"], v["weight_grams"]) for v in shirt["variants"]
    ] == [
        ("LS-S-W", "39.00", "45.00", 250),
        ("LS-M-W", "41.00", None, 260),
    ]
    assert [i["src"].rsplit("/", 1)[1] for i in shirt["images"]] == [
        "ls1.jpg",
        "ls2.jpg",
        "ls3.jpg",
    ]
    card = products["gift-card"]
    assert card["options"] == [] and card["variants"][0]["title"] == "Default Title"
    assert card["status"] == "draft"  # Published FALSE and no status
    history = await client.get(f"/api/products/{shirt['id']}/history", headers=editor_headers)
    assert history.json()["items"][0]["source"] == "import"


async def test_shopify_csv_with_new_headers(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    r = await upload(client, editor_headers, NEW_CSV)
    assert r.status_code == 200, r.text
    (hat,) = await all_products(client, editor_headers)
    assert hat["handle"] == "wool-hat" and hat["status"] == "draft"
    assert [v["option_values"] for v in hat["variants"]] == [["Grey"], ["Navy"]]
    assert [v["inventory_quantity"] for v in hat["variants"]] == [7, 3]
    assert hat["images"][0]["alt"] == "Hat"


async def two_products(client: httpx.AsyncClient, headers: Headers, **first: Any) -> None:
    """One with images, a category, a two-line description; one plain with a single variant."""
    await create_product(
        client,
        headers,
        images=[{"src": "https://cdn.example.com/a.jpg", "alt": 'Say "hi", friend'}],
        category={"id": "gid://shopify/TaxonomyCategory/aa-1-13-8", "name": "Apparel > T-Shirts"},
        description_html="<p>Line one</p>\n<p>Line, two</p>",
        **first,
    )
    await create_product(
        client,
        headers,
        title="Plain",
        options=[],
        variants=[{"price": "3.10", "weight_grams": 15, "barcode": "0042"}],
        tags=[],
    )


async def test_round_trip_of_our_csv_export(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    await two_products(client, editor_headers)
    before = [comparable(p) for p in await all_products(client, editor_headers)]
    exported = await client.post(
        "/api/products/batch/export", json={"format": "csv", "filter": {}}, headers=editor_headers
    )
    assert exported.status_code == 200
    await client.request(
        "DELETE", "/api/products/batch/delete", json={"filter": {}}, headers=editor_headers
    )
    assert await all_products(client, editor_headers) == []
    r = await upload(client, editor_headers, exported.text)
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 2
    after = [comparable(p) for p in await all_products(client, editor_headers)]
    assert after == before
    # Importing the same file again changes nothing.
    r = await upload(client, editor_headers, exported.text)
    assert (r.json()["unchanged"], r.json()["updated"], r.json()["created"]) == (2, 0, 0)


async def test_round_trip_of_our_xlsx_export(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    await two_products(client, editor_headers, tags=["=SUM(A1)", "summer"])
    before = [comparable(p) for p in await all_products(client, editor_headers)]
    exported = await client.post(
        "/api/products/batch/export", json={"format": "xlsx", "filter": {}}, headers=editor_headers
    )
    assert exported.status_code == 200
    await client.request(
        "DELETE", "/api/products/batch/delete", json={"filter": {}}, headers=editor_headers
    )
    files = {"file": ("products.xlsx", exported.content, "application/octet-stream")}
    r = await client.post("/api/products/import", files=files, headers=editor_headers)
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["failed"]) == (2, 0), r.json()["errors"]
    after = [comparable(p) for p in await all_products(client, editor_headers)]
    assert after == before
    r = await client.post("/api/products/import", files=files, headers=editor_headers)
    assert (r.json()["unchanged"], r.json()["updated"], r.json()["created"]) == (2, 0, 0)


async def test_a_file_that_is_no_workbook_is_refused(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    files = {"file": ("products.xlsx", b"PK\x03\x04 not really a zip", "application/zip")}
    r = await client.post("/api/products/import", files=files, headers=editor_headers)
    assert r.status_code == 422 and "Excel workbook" in r.json()["detail"]


async def test_round_trip_of_shopify_export(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    await create_product(
        client,
        editor_headers,
        images=[{"src": f"https://cdn.example.com/{n}.jpg", "alt": None} for n in "abc"],
    )
    before = [comparable(p) for p in await all_products(client, editor_headers)]
    exported = await client.post(
        "/api/products/batch/export",
        json={"format": "shopify_csv", "filter": {}},
        headers=editor_headers,
    )
    await client.request(
        "DELETE", "/api/products/batch/delete", json={"filter": {}}, headers=editor_headers
    )
    r = await upload(client, editor_headers, exported.text)
    assert r.status_code == 200, r.text
    after = [comparable(p) for p in await all_products(client, editor_headers)]
    assert after == before


async def test_update_by_handle(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    await upload(client, editor_headers, NEW_CSV)
    changed = NEW_CSV.replace("19.50,,7", "17.00,,7")
    r = await upload(client, editor_headers, changed)
    assert (r.json()["updated"], r.json()["created"]) == (0 + 1, 0)
    (hat,) = await all_products(client, editor_headers)
    assert [v["price"] for v in hat["variants"]] == ["17.00", "19.50"]
    assert hat["version"] == 2


async def test_an_empty_price_or_stock_cell_keeps_the_stored_value(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    await upload(client, editor_headers, NEW_CSV)
    # The second variant's price and stock cells emptied, the first's price changed; a new
    # variant without either gets 0.00 and 0.
    edited = NEW_CSV.replace(",,,,,19.50,,3,90,,,", ",,,,,,,,90,,,").replace("19.50,,7", "18.00,,7")
    edited += ",wool-hat,,,,,,,,WH-3,,,Red,,,,,,,,90,,,\n"
    r = await upload(client, editor_headers, edited)
    assert r.status_code == 200 and r.json()["updated"] == 1, r.text
    (hat,) = await all_products(client, editor_headers)
    shown = [(v["sku"], v["price"], v["inventory_quantity"]) for v in hat["variants"]]
    assert shown == [("WH-1", "18.00", 7), ("WH-2", "19.50", 3), ("WH-3", "0.00", 0)]


BAD_CSV = OLD_HEADERS + (
    "good-one,Good One,,Acme,,Stuff,,TRUE,Title,Default Title,,,,,G1,0,,1,,,5.00,,,,,,,,,active\n"
    "bad-price,Bad Price,,Acme,,Stuff,,TRUE,Size,S,,,,,B1,0,,1,,,five,,,,,,,,,active\n"
    "bad-price,,,,,,,,,M,,,,,B2,0,,1,,,6.00,,,,,,,,,\n"
    "dup-size,Dup,,Acme,,Stuff,,TRUE,Size,S,,,,,D1,0,,1,,,1.00,,,,,,,,,active\n"
    "dup-size,,,,,,,,,S,,,,,D2,0,,1,,,1.00,,,,,,,,,\n"
    ",No Handle,,Acme,,Stuff,,TRUE,,,,,,,,,,,,,1.00,,,,,,,,,\n"
    "bad-status,Bad Status,,Acme,,Stuff,,TRUE,Title,Default Title,,,,,S1,x,,1,,,1.00,,,,,,,,,sold\n"
)


async def test_bad_rows_dry_run_abort_and_skip(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    r = await upload(client, editor_headers, BAD_CSV, dry_run="true")
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["dry_run"] is True and report["committed"] is False
    assert (report["products"], report["failed"], report["created"]) == (5, 4, 1)
    errors = {(e["row"], e["field"]) for e in report["errors"]}
    assert (3, "price") in errors  # "five"
    assert any(row == 6 and "option_values" in (field or "") for row, field in errors)  # dup S
    assert (7, "handle") in errors
    assert {(8, "status"), (8, "grams")} <= errors
    assert await all_products(client, editor_headers) == []

    r = await upload(client, editor_headers, BAD_CSV)
    assert r.status_code == 422, r.text
    assert r.json()["report"]["failed"] == 4 and "nothing was imported" in r.json()["detail"]
    assert await all_products(client, editor_headers) == []

    r = await upload(client, editor_headers, BAD_CSV, on_error="skip")
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["failed"], r.json()["committed"]) == (1, 4, True)
    assert [p["handle"] for p in await all_products(client, editor_headers)] == ["good-one"]


async def test_unrecognised_file(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    r = await upload(client, editor_headers, "name,price\nx,1\n")
    assert r.status_code == 422 and "Not a product CSV" in r.json()["detail"]
    files = {"file": ("p.csv", b"Handle,Title\n\xff\xfe,x\n", "text/csv")}
    r = await client.post("/api/products/import", files=files, headers=editor_headers)
    assert r.status_code == 422 and "UTF-8" in r.json()["detail"]
    # Excel's "CSV" in Windows-1252, and in a language whose lists use semicolons.
    windows = "Handle,Title,Variant Price\ncafé-mug,Café Mug,12.50\n".encode("cp1252")
    files = {"file": ("p.csv", windows, "text/csv")}
    r = await client.post("/api/products/import", files=files, headers=editor_headers)
    assert r.status_code == 422, r.text
    assert "not UTF-8 text: it holds byte 0xE9" in r.json()["detail"]
    assert "CSV UTF-8 (Comma delimited)" in r.json()["detail"]
    r = await upload(
        client, editor_headers, "Handle;Title;Variant Price\ncafe-mug;Cafe Mug;12,50\n"
    )
    assert r.status_code == 422, r.text
    assert "separated by semicolons, not commas" in r.json()["detail"]
    r = await upload(client, editor_headers, "Handle\tTitle\ncafe-mug\tCafe Mug\n")
    assert r.status_code == 422 and "separated by tabs" in r.json()["detail"]
    assert await all_products(client, editor_headers) == []


async def test_large_import_runs_as_job(
    client: httpx.AsyncClient, editor_headers: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("product_dashboard.importer.endpoints.SYNC_LIMIT", 2)
    r = await upload(client, editor_headers, OLD_CSV)
    assert r.status_code == 202, r.text
    job = await wait_job(client, editor_headers, r.json()["job_id"])
    assert job["state"] == "completed", job
    assert job["report"]["created"] == 2 and job["report"]["committed"] is True
    assert [(x["row"], x["last_row"], x["outcome"]) for x in job["report"]["results"]] == [
        (2, 4, "created"),
        (5, 5, "created"),
    ]
    assert job["progress"]["total"] == 4
    assert len(await all_products(client, editor_headers)) == 2


async def test_runaway_numbers_are_row_errors(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    csv_text = OLD_HEADERS + (
        "huge,Huge,,Acme,,Stuff,,TRUE,Title,Default Title,,,,,H1,1e300000,,1e300000,,,"
        "1e300000,,,,,,,,,active\n"
        "fine,Fine,,Acme,,Stuff,,TRUE,Title,Default Title,,,,,F1,10,,3,,,2.00,,,,,,,,,active\n"
    )
    r = await upload(client, editor_headers, csv_text, dry_run="true")
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["products"], report["failed"], report["created"]) == (2, 1, 1)
    errors = {(e["row"], e["field"]): e["message"] for e in report["errors"]}
    assert {(2, "grams"), (2, "inventory"), (2, "price")} <= errors.keys()
    assert "too large" in errors[(2, "inventory")]


@pytest.mark.parametrize("row", ["99999999999", "\u00b2", "1"])
async def test_a_workbook_row_numbered_out_of_reach_is_refused(
    client: httpx.AsyncClient, editor_headers: Headers, row: str
) -> None:
    """A row numbered past a sheet's rows (the gap was read as that many empty rows), with a
    character int() refuses, or before a row already read: a 422 saying so, nothing written."""
    await two_products(client, editor_headers)
    exported = await client.post(
        "/api/products/batch/export", json={"format": "xlsx", "filter": {}}, headers=editor_headers
    )
    source = zipfile.ZipFile(io.BytesIO(exported.content))
    changed = io.BytesIO()
    with zipfile.ZipFile(changed, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<row r="3"', f'<row r="{row}"'.encode(), data, count=1)
                assert f'r="{row}"'.encode() in data
            target.writestr(item, data)
    before = [comparable(p) for p in await all_products(client, editor_headers)]
    files = {"file": ("products.xlsx", changed.getvalue(), "application/octet-stream")}
    r = await client.post("/api/products/import", files=files, headers=editor_headers)
    assert r.status_code == 422, r.text
    assert "row numbered" in r.json()["detail"]
    assert [comparable(p) for p in await all_products(client, editor_headers)] == before
