"""The set-based apply against the per-product one: the same inputs give the same rows.

Each run starts from an empty catalog, pulls a generated catalog in (new products: options up to
120 variants, media, product and variant metafields, quantities read or not, Unicode handles,
fields Shopify did not tell, products that cannot be created here), edits some products here
(one deleted), then pulls Shopify's next state (unchanged, remote-only edits, conflicts, new
products, quantities moved). Every row of every table the apply writes is compared field by
field, ids replaced by what they point at and clock times by whether they are set.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from product_dashboard.audit.service import Actor
from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.db import committing, create_sessionmaker
from product_dashboard.models import (
    AuditEvent,
    AuditSource,
    InventoryLevel,
    Model,
    Product,
    ProductConflict,
    ProductImage,
    ProductMetafield,
    ProductOption,
    ProductTag,
    ProductVariant,
)
from product_dashboard.product import service as product_service
from product_dashboard.product.schemas import ProductCreate, ProductUpdate
from product_dashboard.shopify.mapping import (
    MEDIA,
    METAFIELDS,
    SyncImage,
    SyncMetafield,
    SyncOption,
    SyncProduct,
    SyncVariant,
)
from product_dashboard.sync.pull.apply import ChunkResult, apply_chunk
from product_dashboard.sync.pull.source import RemoteProduct

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
USER = Actor(source=AuditSource.ui)
COLOURS = ["Red", "Grün", "Blue", "Black", "White", "Ochre"]
SIZES = ["XS", "S", "M", "L", "XL"]
MATERIALS = ["Cotton", "Wool", "Linen", "Silk"]
HANDLE_STEMS = ["shirt", "čaj-zelený", "日本茶", "crème-brûlée", "кофе"]
CLOCK_COLUMNS = {
    "created_at",
    "updated_at",
    "synced_at",
    "at",
    "shopify_seen_at",
    "detected_at",
    "deleted_at",
}


def _variants(
    n: int, rng: random.Random, images: Sequence[SyncImage], i: int
) -> tuple[list[SyncOption], list[SyncVariant]]:
    if n == 1:
        combos: list[list[str]] = [["Default Title"]]
        options = [SyncOption("Title", ["Default Title"])]
    else:
        combos = [[c, s, m] for c in COLOURS for s in SIZES for m in MATERIALS][:n]
        options = [
            SyncOption(name, sorted({c[k] for c in combos}, key=values.index))
            for k, (name, values) in enumerate(
                (("Colour", COLOURS), ("Size", SIZES), ("Material", MATERIALS))
            )
        ]
    variants = [
        SyncVariant(
            sku=f"SKU-{i}-{k}",
            barcode=None if k % 3 else f"40{i:04d}{k:04d}",
            price_cents=1000 + 25 * k,
            compare_at_price_cents=None if k % 2 else 2000 + k,
            inventory_quantity=None if (i + k) % 7 == 0 else rng.randint(0, 40),
            weight_grams=100 + k,
            option_values=combo,
            shopify_variant_id=f"gid://shopify/ProductVariant/{i * 1000 + k}",
            taxable=bool(k % 2),
            requires_shipping=True,
            image_src=images[k % len(images)].src if images and k % 4 == 0 else None,
            metafields=(
                [SyncMetafield("custom", "fit", "single_line_text_field", f"fit {k}")]
                if k % 5 == 0
                else []
            ),
            inventory_tracked=True,
            inventory_policy="DENY",
            cost_cents=500 + k,
        )
        for k, combo in enumerate(combos)
    ]
    return options, variants


def generated(i: int, rng: random.Random) -> RemoteProduct:
    """Shopify's product number `i`: its shape varies with `i`."""
    n = [1, 3, 12, 120][i % 4]
    images = [
        SyncImage(
            f"https://cdn.example/p{i}/{k}.jpg", f"alt {k}", f"gid://shopify/MediaImage/{i}{k}"
        )
        for k in range(i % 3)
    ]
    options, variants = _variants(n, rng, images, i)
    unknown = [MEDIA] if i % 11 == 5 else []  # with a variant image: not valid here
    if i % 13 == 6:
        unknown.append(METAFIELDS)
    product = SyncProduct(
        title=f"Product {i} ✓",
        handle=f"{HANDLE_STEMS[i % len(HANDLE_STEMS)]}-{i}",
        description_html=f"<p>About {i}</p>",
        vendor=f"Vendor {i % 4}",
        product_type="Tea" if i % 2 else "Apparel",
        status="active" if i % 5 else "draft",
        tags=[f"tag{i % 3}", "sale, summer"] if i % 2 else [],
        category_id="gid://shopify/TaxonomyCategory/aa-1" if i % 3 == 0 else None,
        category_name="Apparel" if i % 3 == 0 else None,
        options=options,
        variants=variants,
        shopify_product_id=f"gid://shopify/Product/{i}",
        images=images,
        seo_title=f"SEO {i}" if i % 4 == 1 else None,
        metafields=[
            SyncMetafield(
                "custom", f"k{k}", "single_line_text_field", f"v{i}.{k}", f"gid://m/{i}{k}"
            )
            for k in range(i % 3)
        ],
        unknown=unknown,
    )
    return RemoteProduct(product, T0 + timedelta(minutes=i))


def _edited(remote: RemoteProduct, **changes: Any) -> RemoteProduct:
    assert remote.updated_at is not None
    return RemoteProduct(replace(remote.product, **changes), remote.updated_at + timedelta(hours=1))


def _moved_stock(remote: RemoteProduct) -> RemoteProduct:
    variants = [
        replace(v, inventory_quantity=(v.inventory_quantity or 0) + 3)
        for v in remote.product.variants
    ]
    return _edited(remote, variants=variants)


def first_pull() -> list[RemoteProduct]:
    rng = random.Random(17)
    remotes = [generated(i, rng) for i in range(40)]
    bad_handle = replace(
        remotes[7].product, handle="Not A Handle!", shopify_product_id="gid://x/7b"
    )
    remotes.append(RemoteProduct(bad_handle, T0))
    remotes.append(RemoteProduct(replace(remotes[8].product, shopify_product_id="gid://x/8b"), T0))
    return remotes


def second_pull(first: Sequence[RemoteProduct]) -> list[RemoteProduct]:
    rng = random.Random(18)
    after = list(first[:40])
    for i in (1, 2, 3, 4):  # remote-only edits
        after[i] = _edited(after[i], vendor="Changed There", tags=["fresh"])
    for i in (6, 13):  # edited on both sides, the same field: a conflict
        after[i] = _edited(after[i], title=f"Their title {i}")
    after[9] = _edited(after[9], vendor="Theirs too")  # a local-only title edit beside it
    after[10] = _moved_stock(after[10])
    after[11] = _moved_stock(after[11])
    after[12] = _edited(after[12], vendor="Gone here")  # deleted here
    after[14] = _edited(after[14], handle="Not A Handle!")  # fails among the linked ones
    return after + [generated(i, rng) for i in range(40, 60)]


async def _wipe(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        for table in reversed(Model.metadata.sorted_tables):
            await connection.execute(delete(table))
        if engine.dialect.name == "postgresql":
            for table in Model.metadata.sorted_tables:
                if "id" in table.c and table.c.id.autoincrement is not False:
                    await connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), 1, false)"
                        )
                    )


async def _edit_here(engine: AsyncEngine) -> None:
    sessions = committing(create_sessionmaker(engine))
    async with sessions() as session:
        ids = {
            shopify_id: product_id
            for shopify_id, product_id in await session.execute(
                select(Product.shopify_product_id, Product.id)
            )
        }
        for i in (6, 9, 13):
            await product_service.update(
                session, ids[f"gid://shopify/Product/{i}"], ProductUpdate(title=f"Mine {i}"), USER
            )
        await product_service.delete(session, ids["gid://shopify/Product/12"], USER)
        # An unlinked product here holding a handle a new Shopify product comes with.
        await product_service.create(
            session, ProductCreate(title="Mine", handle="čaj-zelený-41"), USER
        )


async def _run(engine: AsyncEngine, *, set_based: bool) -> tuple[dict[str, Any], list[Any]]:
    await _wipe(engine)
    sessions = committing(create_sessionmaker(engine))
    events = ConflictEvents(None)
    first = first_pull()
    results: list[ChunkResult] = []
    for start in range(0, len(first), 25):
        chunk = first[start : start + 25]
        results.append(await apply_chunk(sessions, chunk, events, set_based=set_based))
    await _edit_here(engine)
    second = second_pull(first)
    results.append(await apply_chunk(sessions, second, events, set_based=set_based))
    outcomes = [
        (dict(r.outcomes), sorted(r.errors, key=str), [c["fields"] for c in r.conflicts])
        for r in results
    ]
    return await _dump(engine), outcomes


async def _dump(engine: AsyncEngine) -> dict[str, Any]:
    """Every table the apply writes, ids replaced by natural keys."""
    async with engine.connect() as connection:

        async def rows(model: type[Model]) -> list[dict[str, Any]]:
            result = await connection.execute(select(model.__table__))
            return [dict(row._mapping) for row in result]

        products = await rows(Product)
        product_key = {p["id"]: p["shopify_product_id"] or p["handle"] for p in products}
        images = await rows(ProductImage)
        image_key = {i["id"]: (product_key[i["product_id"]], i["position"]) for i in images}
        variants = await rows(ProductVariant)
        variant_key = {v["id"]: (product_key[v["product_id"]], v["position"]) for v in variants}
        refs = {
            "product_id": product_key,
            "image_id": image_key,
            "variant_id": variant_key,
        }

        def plain(row: dict[str, Any], entity: bool = False) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for name, value in row.items():
                if name == "id":
                    continue
                if name in CLOCK_COLUMNS:
                    out[name] = value is not None
                elif name in refs and value is not None:
                    out[name] = refs[name][value]
                elif name == "handle":
                    out[name] = re.sub(r"--deleted-\d+$", "--deleted-N", value)
                elif entity and name == "entity_id":
                    out[name] = product_key.get(int(value), value)
                else:
                    out[name] = value
            return out

        def keyed(items: list[dict[str, Any]], entity: bool = False) -> list[dict[str, Any]]:
            return sorted((plain(r, entity) for r in items), key=repr)

        return {
            "product": keyed(products),
            "product_image": keyed(images),
            "product_variant": keyed(variants),
            "product_option": keyed(await rows(ProductOption)),
            "product_tag": keyed(await rows(ProductTag)),
            "product_metafield": keyed(await rows(ProductMetafield)),
            "inventory_level": keyed(await rows(InventoryLevel)),
            "audit_event": keyed(await rows(AuditEvent), entity=True),
            "product_conflict": keyed(await rows(ProductConflict)),
        }


async def test_set_based_apply_writes_what_the_per_product_apply_writes(
    engine: AsyncEngine,
) -> None:
    old_rows, old_outcomes = await _run(engine, set_based=False)
    new_rows, new_outcomes = await _run(engine, set_based=True)

    assert new_outcomes == old_outcomes
    for table, old in old_rows.items():
        new = new_rows[table]
        assert len(new) == len(old), table
        for old_row, new_row in zip(old, new, strict=True):
            assert new_row == old_row, (table, _difference(old_row, new_row))
    # The inputs reach what they are meant to: every kind of outcome, and refusals explained.
    first = old_outcomes[0][0]
    assert first["created"] > 20
    second = old_outcomes[-1][0]
    assert {"created", "merged", "conflict", "unchanged", "deleted_here"} <= set(second)
    assert any("handle" in e["error"] for _, errors, _ in old_outcomes for e in errors)
    assert any(e["kind"] == "not_linked" for _, errors, _ in old_outcomes for e in errors)
    assert "gid://shopify/Product/14" in {e["shopify_id"] for e in old_outcomes[-1][1]}
    per_product = Counter(v["product_id"] for v in old_rows["product_variant"])
    assert max(per_product.values()) == 120


def _difference(old: Any, new: Any, path: str = "") -> list[str]:
    """Where two rows differ, as paths (for the failure message)."""
    if isinstance(old, dict) and isinstance(new, dict):
        return [
            d
            for k in old.keys() | new.keys()
            for d in _difference(old.get(k), new.get(k), f"{path}.{k}")
        ]
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [
            d
            for k, (a, b) in enumerate(zip(old, new, strict=True))
            for d in _difference(a, b, f"{path}[{k}]")
        ]
    return [] if old == new else [f"{path}: {old!r} != {new!r}"]
