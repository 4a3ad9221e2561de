"""The stored sync snapshot's format, held by a golden file.

`Product.synced_snapshot` and `Product.synced_hash` outlive releases: a snapshot stored by an
earlier version is the base of the next conflict check, and a hash that moved would make every
synced product look changed. Each case is built both ways the snapshot is written (from a
`SyncProduct`, and from the catalog rows the push loads) and read back as a base; all must match
`golden/synced_snapshots.json`. Regenerate it (`GOLDEN_REGENERATE=1`) only for a deliberate
format change, with a migration of the stored snapshots.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.conflict.shapes import base_product, sync_product_to_dict
from product_dashboard.conflict.snapshot import SyncedSnapshot
from product_dashboard.kit.hs_codes import CountryHsCodes
from product_dashboard.kit.unit_price import UnitPriceMeasure
from product_dashboard.models import (
    Product,
    ProductImage,
    ProductMetafield,
    ProductOption,
    ProductTag,
    ProductVariant,
)
from product_dashboard.shopify.mapping import (
    SyncImage,
    SyncMetafield,
    SyncOption,
    SyncProduct,
    SyncVariant,
)
from product_dashboard.sync.push.items import load_push_items

GOLDEN = Path(__file__).parent / "golden" / "synced_snapshots.json"


def _variant(
    price: int, values: list[str], *, sku: str | None = None, compare_at: int | None = None
) -> SyncVariant:
    return SyncVariant(
        sku=sku,
        barcode=None if sku is None else f"0{sku}",
        price_cents=price,
        compare_at_price_cents=compare_at,
        inventory_quantity=0,
        weight_grams=None,
        option_values=values,
    )


def _product(handle: str, **fields: Any) -> SyncProduct:
    values: dict[str, Any] = {
        "title": handle.replace("-", " ").title(),
        "handle": handle,
        "description_html": "",
        "vendor": "",
        "product_type": "",
        "status": "active",
        "tags": [],
        "category_id": None,
        "options": [],
        "variants": [],
        "images": [],
    }
    values.update(fields)
    return SyncProduct(**values)


CASES: dict[str, SyncProduct] = {
    "options-and-variants": _product(
        "linen-shirt",
        description_html="<p>Überhemd — “fine” linen</p>",
        vendor="Atelier Nord",
        product_type="Shirts",
        tags=["summer", "linen", "Sale"],
        category_id="gid://shopify/TaxonomyCategory/aa-1-13",
        options=[SyncOption("Size", ["S", "M"]), SyncOption("Color", ["Blue"])],
        variants=[
            _variant(1999, ["S", "Blue"], sku="LS-S", compare_at=2599),
            _variant(2050, ["M", "Blue"], sku="LS-M"),
        ],
        images=[
            SyncImage("https://cdn.example.com/linen.jpg", "Linen shirt"),
            SyncImage("https://cdn.example.com/linen-back.jpg", None),
        ],
    ),
    "no-options": _product(
        "plain-mug", vendor="Clay & Co", variants=[_variant(850, [], sku="MUG")]
    ),
    "no-variants": _product("gift-card", status="draft", tags=["gift"]),
    "three-options-and-free": _product(
        "sock-pack-日本",
        title="Sock pack 🧦 日本",
        status="archived",
        options=[
            SyncOption("Size", ["36-40"]),
            SyncOption("Colour", ["Black"]),
            SyncOption("Pack", ["3", "5"]),
        ],
        variants=[
            _variant(0, ["36-40", "Black", "3"]),
            _variant(100000, ["36-40", "Black", "5"], sku="SP-5", compare_at=0),
        ],
    ),
    # #16: the fields beyond the first format's, in the snapshot's `detail`.
    "whole-product": _product(
        "nhẫn-1",
        description_html='<p style="x" data-a="1">Bạc <!-- c --></p>',
        options=[SyncOption("Color", ["Silver"], "shopify", "color-pattern")],
        variants=[
            SyncVariant(
                sku="N-1",
                barcode=None,
                price_cents=4900,
                compare_at_price_cents=None,
                inventory_quantity=0,
                weight_grams=None,
                option_values=["Silver"],
                taxable=False,
                requires_shipping=True,
                tax_code="P0000000",
                image_src="https://cdn.example.com/n1.jpg",
                metafields=[SyncMetafield("custom", "stone", "single_line_text_field", "none")],
            )
        ],
        images=[SyncImage("https://cdn.example.com/n1.jpg", "Nhẫn")],
        seo_title="Nhẫn bạc",
        seo_description="Bạc 925",
        template_suffix="jewelry",
        gift_card=False,
        published_online_store=True,
        metafields=[
            SyncMetafield("shopify", "color-pattern", "list.metaobject_reference", '["x"]'),
            SyncMetafield("custom", "material", "single_line_text_field", "silver"),
        ],
    ),
    # #15: the inventory item fields, in each variant detail's `inventory_item`.
    "inventory-item": _product(
        "ring-oz",
        options=[SyncOption("Size", ["S", "M"])],
        variants=[
            SyncVariant(
                sku="R-S",
                barcode=None,
                price_cents=1000,
                compare_at_price_cents=None,
                inventory_quantity=0,
                weight_grams=227,
                option_values=["S"],
                inventory_tracked=False,
                inventory_policy="CONTINUE",
                cost_cents=425,
                country_of_origin="VN",
                hs_code="7113.11",
                weight_value=Decimal(8),
                weight_unit="OUNCES",
            ),
            _variant(1000, ["M"], sku="R-M"),
        ],
    ),
    # Unit price measurement, in the item detail (left out there when not set: the cases above
    # keep the JSON and hash they had before it existed).
    "unit-price": _product(
        "olive-oil",
        options=[SyncOption("Size", ["750 ml", "5 l"])],
        variants=[
            SyncVariant(
                sku="OIL-750",
                barcode=None,
                price_cents=990,
                compare_at_price_cents=None,
                inventory_quantity=0,
                weight_grams=None,
                option_values=["750 ml"],
                unit_price_measurement=UnitPriceMeasure(Decimal("750"), "ML", 100, "ML"),
            ),
            SyncVariant(
                sku="OIL-5",
                barcode=None,
                price_cents=4900,
                compare_at_price_cents=None,
                inventory_quantity=0,
                weight_grams=None,
                option_values=["5 l"],
                hs_code="1509.20",
                unit_price_measurement=UnitPriceMeasure(Decimal("0.5"), "L", 1, "L"),
            ),
        ],
    ),
    # The last settable fields (gift card template, selling plan only, combined listing role, unit
    # price display, bundle components, province of origin, per-country HS codes): left out of
    # the JSON when not set, so every case above keeps its JSON and hash. "" is a list read empty.
    "gift-subscription": _product(
        "coffee-club",
        options=[SyncOption("Size", ["250 g", "1 kg"])],
        variants=[
            SyncVariant(
                sku="CLUB-250",
                barcode=None,
                price_cents=1200,
                compare_at_price_cents=None,
                inventory_quantity=0,
                weight_grams=None,
                option_values=["250 g"],
                show_unit_price=True,
                requires_components=False,
                province_code_of_origin="QC",
                country_hs_codes=CountryHsCodes.of([("US", "0901.21.0000"), ("CA", "090121.00")]),
            ),
            SyncVariant(
                sku="CLUB-1K",
                barcode=None,
                price_cents=4000,
                compare_at_price_cents=None,
                inventory_quantity=0,
                weight_grams=None,
                option_values=["1 kg"],
                show_unit_price=False,
                country_hs_codes=CountryHsCodes(()),
            ),
        ],
        gift_card_template_suffix="festive",
        requires_selling_plan=True,
        combined_listing_role="PARENT",
    ),
}

# A base stored before synced snapshots had a format: a dump of the SyncProduct itself.
UNFORMATTED = {
    "title": "Old tee",
    "handle": "old-tee",
    "description_html": "",
    "vendor": "V",
    "product_type": "",
    "status": "active",
    "tags": ["a"],
    "category_id": None,
    "options": [{"name": "Size", "values": ["M"]}],
    "variants": [
        {
            "sku": "T-M",
            "barcode": None,
            "price_cents": 1200,
            "compare_at_price_cents": None,
            "inventory_quantity": 4,
            "weight_grams": 200,
            "option_values": ["M"],
            "shopify_variant_id": "gid://shopify/ProductVariant/9",
        }
    ],
    "shopify_product_id": "gid://shopify/Product/9",
    "images": [],
}


def _written(product: SyncProduct) -> dict[str, Any]:
    snapshot = SyncedSnapshot.of(product)
    return {"json": snapshot.canonical_json(), "synced_hash": snapshot.snapshot_hash()}


def _read(stored: dict[str, Any]) -> dict[str, Any]:
    return sync_product_to_dict(base_product(stored))


def _current() -> dict[str, Any]:
    cases = {}
    for name, product in CASES.items():
        written = _written(product)
        cases[name] = {**written, "base": _read(json.loads(written["json"]))}
    return {"cases": cases, "unformatted_base": _read(UNFORMATTED)}


def test_snapshots_written_and_read_match_the_golden_file() -> None:
    current = _current()
    if os.environ.get("GOLDEN_REGENERATE") == "1":
        GOLDEN.write_text(json.dumps(current, indent=2, ensure_ascii=False) + "\n")
    assert current == json.loads(GOLDEN.read_text())


def _metafield(product_id: int, m: SyncMetafield, variant_id: int | None) -> ProductMetafield:
    return ProductMetafield(
        product_id=product_id,
        variant_id=variant_id,
        namespace=m.namespace,
        key=m.key,
        type=m.type,
        value=m.value,
    )


async def _insert(session: AsyncSession, product: SyncProduct) -> int:
    row = Product(
        title=product.title,
        handle=product.handle,
        description_html=product.description_html,
        vendor=product.vendor,
        product_type=product.product_type,
        status=product.status,
        category_id=product.category_id,
        seo_title=product.seo_title,
        seo_description=product.seo_description,
        template_suffix=product.template_suffix,
        gift_card=product.gift_card,
        published_online_store=product.published_online_store,
        gift_card_template_suffix=product.gift_card_template_suffix,
        requires_selling_plan=product.requires_selling_plan,
        combined_listing_role=product.combined_listing_role,
    )
    session.add(row)
    await session.flush()
    for position, option in enumerate(product.options, start=1):
        session.add(
            ProductOption(
                product_id=row.id,
                position=position,
                name=option.name,
                values=option.values,
                linked_metafield_namespace=option.linked_namespace,
                linked_metafield_key=option.linked_key,
            )
        )
    images = []
    for position, image in enumerate(product.images, start=1):
        images.append(
            ProductImage(product_id=row.id, position=position, src=image.src, alt=image.alt)
        )
        session.add(images[-1])
    await session.flush()
    by_src = {image.src: image.id for image in images}
    for position, variant in enumerate(product.variants, start=1):
        values = [*variant.option_values, None, None, None]
        variant_row = ProductVariant(
            product_id=row.id,
            position=position,
            sku=variant.sku,
            barcode=variant.barcode,
            price_cents=variant.price_cents,
            compare_at_price_cents=variant.compare_at_price_cents,
            option1=values[0],
            option2=values[1],
            option3=values[2],
            taxable=variant.taxable,
            requires_shipping=variant.requires_shipping,
            tax_code=variant.tax_code,
            image_id=by_src.get(variant.image_src or ""),
            inventory_tracked=variant.inventory_tracked,
            inventory_policy=variant.inventory_policy,
            cost_cents=variant.cost_cents,
            country_of_origin=variant.country_of_origin,
            hs_code=variant.hs_code,
            weight_value=variant.weight_value,
            weight_unit=variant.weight_unit,
            show_unit_price=variant.show_unit_price,
            requires_components=variant.requires_components,
            province_code_of_origin=variant.province_code_of_origin,
        )
        variant_row.unit_price_measurement = variant.unit_price_measurement
        variant_row.country_hs_codes = variant.country_hs_codes
        session.add(variant_row)
        await session.flush()
        for m in variant.metafields:
            session.add(_metafield(row.id, m, variant_row.id))
    for m in product.metafields:
        session.add(_metafield(row.id, m, None))
    for position, tag in enumerate(product.tags, start=1):
        session.add(ProductTag(product_id=row.id, position=position, name=tag, tag_key=tag.lower()))
    await session.flush()
    return row.id


@pytest.mark.integration
async def test_snapshots_the_push_loads_match_the_golden_file(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    golden = json.loads(GOLDEN.read_text())["cases"]
    async with sessionmaker() as session, session.begin():
        ids = {name: await _insert(session, product) for name, product in CASES.items()}
    async with sessionmaker() as session:
        items = {item.product_id: item for item in await load_push_items(session, ids.values())}
    for name, product_id in ids.items():
        item = items[product_id]
        assert item.snapshot_json == golden[name]["json"], name
        assert item.snapshot_hash == golden[name]["synced_hash"], name
