"""Awkward values in Shopify's CSV, both header generations: import → export → import again
changes nothing and adds no product or variant; pushed to the store and pulled into an empty
catalog, the export is the same file. Against the emulator over loopback HTTP."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.models import Product, ProductVariant
from product_dashboard.sync.pull.engine import PullParams
from product_dashboard.sync.push.modes import PushMode
from tests.importer.test_import import upload
from tests.sync.conftest import Emulator, push
from tests.sync.pull.conftest import Store, pull

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]
Headers = dict[str, str]

LEGACY = [
    "Handle", "Title", "Body (HTML)", "Vendor", "Type", "Tags", "Published", "Option1 Name",
    "Option1 Value", "Option2 Name", "Option2 Value", "Variant SKU", "Variant Grams",
    "Variant Inventory Tracker", "Variant Inventory Policy", "Variant Price",
    "Variant Compare At Price", "Variant Requires Shipping", "Variant Taxable", "Variant Barcode",
    "Variant Weight Unit", "Cost per item", "SEO Title", "SEO Description", "Status",
]  # fmt: skip
CURRENT = [
    "URL handle", "Title", "Description", "Vendor", "Type", "Tags", "Published on online store",
    "Option1 name", "Option1 value", "Option2 name", "Option2 value", "SKU",
    "Weight value (grams)", "Inventory tracker", "Continue selling when out of stock", "Price",
    "Compare-at price", "Requires shipping", "Charge tax", "Barcode",
    "Weight unit for display", "Cost per item", "SEO title", "SEO description", "Status",
]  # fmt: skip
HTML = (
    '<p style="color:#333">Café <b>crème</b>, “quoted”</p><script>x()</script>'
    '<iframe src="https://www.youtube.com/embed/x"></iframe>'
)
FIRST = ["café-crème", "Café crème 🍵", HTML, "Müller & Söhne", "Tée", 'say "hi", it\'s, 日本']
# Colour values differing only in case; a leading-space SKU; barcodes with leading zeros;
# compare-at 0 and none; grams with fractions in g, lb, oz and kg.
VARIANTS = [
    ("Red", "S", " lead 1", "0.5", "DENY", "19.99", "", "TRUE", "TRUE", "000123", "g", "0.00"),
    ("red", "S", "AB 2", "1234.567", "CONTINUE", "1234567.89", "0.00", "FALSE", "FALSE", "01",
     "lb", "12.34"),
    ("RED", "s", "tab 3", "226.796185", "DENY", "0.01", "5.00", "TRUE", "FALSE", "", "oz", ""),
    ("Red", "s", "日本-4", "1500", "DENY", "5.00", "", "TRUE", "TRUE", "0", "kg", "1.00"),
]  # fmt: skip
SEO = ["SEO — ü", "Meta “desc”", "active"]


def awkward_csv(legacy: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LEGACY if legacy else CURRENT)
    for n, (c, s, sku, grams, policy, price, compare, ship, tax, code, unit, cost) in enumerate(
        VARIANTS
    ):
        head = [*FIRST, "TRUE", "Colour"] if n == 0 else ["café-crème", *[""] * 6, ""]
        tail = SEO if n == 0 else ["", "", ""]
        if not legacy:
            policy = "CONTINUE" if policy == "CONTINUE" else "DENY"
        row = [*head, c, "Size" if n == 0 else "", s, sku, grams, "shopify", policy, price]
        row += [compare, ship, tax, code, unit, cost, *tail]
        writer.writerow(row)
    return out.getvalue()


async def export(client: httpx.AsyncClient, headers: Headers) -> str:
    r = await client.post(
        "/api/products/batch/export",
        json={"format": "shopify_csv", "filter": {}, "protect_formulas": False},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    return r.text


async def counts(sessions: Sessions) -> tuple[int, int]:
    async with sessions() as session:
        products = await session.scalar(select(func.count()).select_from(Product))
        variants = await session.scalar(select(func.count()).select_from(ProductVariant))
    return int(products or 0), int(variants or 0)


def rows(text: str) -> list[dict[str, Any]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("legacy", [True, False], ids=["legacy", "2024"])
async def test_awkward_csv_import_export_import_push_pull_export_is_the_same(
    sessions: Sessions,
    store: Store,
    emulator: Emulator,
    client: httpx.AsyncClient,
    editor_headers: Headers,
    legacy: bool,
) -> None:
    r = await upload(client, editor_headers, awkward_csv(legacy))
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["failed"]) == (1, 0), r.json()
    first = await export(client, editor_headers)
    exported = rows(first)
    assert [row["Handle"] for row in exported] == ["café-crème"] * 4
    assert [row["Option1 Value"] for row in exported] == [v[0] for v in VARIANTS]
    assert [row["Variant SKU"] for row in exported] == [v[2] for v in VARIANTS]
    assert [row["Variant Barcode"] for row in exported] == [v[9] for v in VARIANTS]
    assert [row["Variant Compare At Price"] for row in exported] == ["", "0.00", "5.00", ""]
    assert exported[0]["Body (HTML)"] == HTML

    again = await upload(client, editor_headers, first)
    assert {x["outcome"] for x in again.json()["results"]} == {"unchanged"}, again.json()
    assert await export(client, editor_headers) == first
    assert await counts(sessions) == (1, 4)

    pushed = await push(sessions, emulator, PushMode.sequential)
    assert (pushed.pushed, pushed.failed) == (1, 0), pushed.errors
    from_store = rows(await export(client, editor_headers))
    async with sessions() as session, session.begin():
        await session.execute(delete(Product))  # an empty catalog: all it holds comes from Shopify
    pulled = await pull(sessions, store, PullParams(kind="full"))
    assert pulled.outcomes == {"created": 1}, pulled.errors
    assert await counts(sessions) == (1, 4)
    # What Shopify holds comes back, as Shopify holds it: tags in its order, the policy in its
    # spelling, the gift card flag it always tells; 1234.567 g has no exact value in pounds, so
    # it reaches Shopify in grams (its display unit stays only in the catalog that imported it).
    after_pull = rows(await export(client, editor_headers))
    lost = []
    for n, (before, after) in enumerate(zip(from_store, after_pull, strict=True)):
        for header in before:
            was, now = before[header], after[header]
            if header == "Tags":
                was, now = sorted(was.split(", ")), sorted(now.split(", "))  # type: ignore[assignment]
            if header in ("Variant Inventory Policy", "Variant Inventory Tracker"):
                was, now = was.casefold(), now.casefold()
            if header == "Gift Card" and (was, now) == ("", "FALSE"):
                continue
            if header == "Variant Weight Unit" and n == 1:
                continue
            if was != now:
                lost.append((n, header, was, now))
    assert lost == [], "\n".join(map(str, lost))

    # The pulled catalog's export imported again changes nothing, and so pushes nothing.
    text = await export(client, editor_headers)
    again = await upload(client, editor_headers, text)
    assert {x["outcome"] for x in again.json()["results"]} == {"unchanged"}, again.json()
    calls = emulator.mutations()
    pushed = await push(sessions, emulator, PushMode.sequential)
    assert (pushed.pushed, pushed.failed) == (0, 0), pushed.errors
    assert emulator.mutations() == calls
