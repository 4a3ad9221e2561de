"""#16 Show: field by field, Shopify's CSV template goes in, is pushed, is held by the store, is
pulled into an empty catalog and comes out as Shopify CSV with no field lost or changed.

Fields Shopify cannot round-trip in 2026-10 are left out, each for its reason (EXCLUDED); the
cells an import keeps without a field (market prices, Google Shopping…) never reach Shopify and
are not part of this test. Against the emulator over loopback HTTP.
"""

from __future__ import annotations

import csv
import io
import os
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import delete, true
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.audit.service import Actor
from product_dashboard.export import source
from product_dashboard.export.formats import shopify_header, shopify_rows
from product_dashboard.importer import parse
from product_dashboard.importer.service import run_import
from product_dashboard.models import AuditSource, Product
from product_dashboard.sync.pull.engine import PullParams
from product_dashboard.sync.push.modes import PushMode
from tests.sync.conftest import Emulator, push
from tests.sync.pull.conftest import Store, pull

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]
TEMPLATES = Path(os.environ.get("SHOPIFY_CSV_TEMPLATES", "/work/shared/shopify"))
LEGACY = TEMPLATES / "product-template-legacy-headers.csv"

# Product fields (first row of a product) and variant fields (each variant row), by legacy header.
PRODUCT_FIELDS = (
    "Title",
    "Body (HTML)",
    "Vendor",
    "Type",
    "Tags",
    "Published",
    "Option1 Name",
    "Option2 Name",
    "Option3 Name",
    "Gift Card",
    "SEO Title",
    "SEO Description",
    "Status",
)
VARIANT_FIELDS = (
    "Option1 Value",
    "Option2 Value",
    "Option3 Value",
    "Variant SKU",
    "Variant Grams",
    "Variant Weight Unit",
    "Variant Inventory Tracker",
    "Variant Inventory Policy",
    "Variant Price",
    "Variant Compare At Price",
    "Variant Requires Shipping",
    "Variant Taxable",
    "Variant Barcode",
    "Cost per item",
)
EXCLUDED = {
    "Variant Tax Code": "2026-10 takes taxCode but reads it back only through a deprecated field",
    "Variant Fulfillment Service": "ProductVariantSetInput has no fulfillment service in 2026-10",
    "Variant Inventory Qty": "quantities per location are #15's (tests/sync/test_push_inventory)",
    "Product Category": "the template names a category; Shopify holds a taxonomy id",
    "Image Src": "Shopify serves media from its CDN: URLs change, alt texts and order are kept",
    "Variant Image": "the same CDN URL of the variant's image",
    "OptionN Linked To": "kept cells: linked options need the store's metaobjects",
}
# A blank Variant Inventory Tracker is "not tracked" in Shopify's CSV, but also what an export
# writes for "not known": the importer takes it as not known and sends nothing, so the store
# keeps its default (tracked). Only a "shopify" cell is compared.
BLANK_SAYS_NOTHING = {"Variant Inventory Tracker"}


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _same(header: str, given: str, got: str) -> bool:
    if given == got or (header in BLANK_SAYS_NOTHING and not given):
        return True
    if header in ("Variant Price", "Variant Compare At Price", "Cost per item", "Variant Grams"):
        return bool(given and got) and Decimal(given) == Decimal(got)
    if header == "Tags":
        return sorted(t.strip() for t in given.split(",")) == sorted(
            t.strip() for t in got.split(",")
        )
    return given.casefold() == got.casefold()


async def _export(sessions: Sessions) -> list[dict[str, str]]:
    header = shopify_header()
    lines = []
    async for chunk in source.products(sessions, true()):
        for record in chunk:
            lines.extend(dict(zip(header, row, strict=True)) for row in shopify_rows(record))
    return lines


@pytest.mark.skipif(not LEGACY.exists(), reason="Shopify's CSV template not found")
async def test_template_in_push_store_pull_template_out_loses_and_changes_no_field(
    sessions: Sessions, store: Store, emulator: Emulator
) -> None:
    given = _rows(LEGACY.read_text(encoding="utf-8-sig"))
    async with sessions() as session, session.begin():
        with LEGACY.open(encoding="utf-8-sig", newline="") as stream:
            report = await run_import(
                session,
                parse.read(stream),
                Actor(source=AuditSource.api),
                dry_run=False,
                on_error="abort",
            )
    assert report.failed == 0
    pushed = await push(sessions, emulator, PushMode.sequential)
    assert pushed.failed == 0, pushed.errors

    async with sessions() as session, session.begin():
        await session.execute(delete(Product))  # an empty catalog: all it holds comes from Shopify
    pulled = await pull(sessions, store, PullParams(kind="full"))
    assert pulled.outcomes.get("created") == len({row["Handle"] for row in given})

    out = await _export(sessions)
    lost = []
    for handle in {row["Handle"] for row in given}:
        rows_in = [r for r in given if r["Handle"] == handle]
        rows_out = [r for r in out if r["Handle"] == handle]
        for header in PRODUCT_FIELDS:
            if not _same(header, rows_in[0][header], rows_out[0][header]):
                lost.append((handle, header, rows_in[0][header], rows_out[0][header]))
        variants_in = [r for r in rows_in if r["Variant Price"]]
        variants_out = [r for r in rows_out if r["Variant Price"]]
        assert len(variants_in) == len(variants_out), handle
        for row_in, row_out in zip(variants_in, variants_out, strict=True):
            for header in VARIANT_FIELDS:
                if not _same(header, row_in[header], row_out[header]):
                    lost.append((handle, header, row_in[header], row_out[header]))
    assert lost == [], "\n".join(map(str, lost))
