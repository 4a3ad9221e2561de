"""A quantity not known stays unknown when a variant is made from it: a pull (or webhook) that
brings a variant Shopify added without its quantity leaves it no number at any location, not an
intent of 0 that the push would send over Shopify's number (`inventory.levels`)."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.conflict.apply import apply_to_local, load_product
from product_dashboard.conflict.new_product import build_from_remote
from product_dashboard.conflict.shapes import local_product
from product_dashboard.inventory.push import pending_levels
from product_dashboard.models import InventoryLevel, Product, ProductVariant
from product_dashboard.product.write_rows import write_new
from product_dashboard.sync.pull.create import PULL_ACTOR
from tests.product.factories import create_product

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


async def test_a_variant_added_with_its_quantity_not_read_has_no_number(
    client: httpx.AsyncClient,
    editor_headers: dict[str, str],
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    product_id = int((await create_product(client, editor_headers, title="Tée"))["id"])
    async with sessionmaker() as session, session.begin():
        product = await load_product(session, product_id=product_id)
        assert product is not None
        product.shopify_product_id = "gid://shopify/Product/1"
        local = local_product(product)
        size, colour = local.options
        added = replace(
            local.variants[0],
            option_values=["L", "Red"],
            sku="TÉE-L-RED",
            inventory_quantity=None,  # Shopify's payload did not say it
            shopify_variant_id="gid://shopify/ProductVariant/3",
        )
        target = replace(
            local,
            options=[replace(size, values=[*size.values, "L"]), colour],
            variants=[*local.variants, added],
        )
        assert await apply_to_local(session, product, target, PULL_ACTOR)
    async with sessionmaker() as session:
        variant_id, quantity = (
            await session.execute(
                select(ProductVariant.id, ProductVariant.inventory_quantity).where(
                    ProductVariant.sku == "TÉE-L-RED"
                )
            )
        ).one()
        levels = list(
            await session.scalars(
                select(InventoryLevel.available).where(InventoryLevel.variant_id == variant_id)
            )
        )
        total = await session.scalar(
            select(Product.total_inventory).where(Product.id == product_id)
        )
        pending = [
            p for p in await pending_levels(session, [product_id]) if p.variant_id == variant_id
        ]
    assert [n for n in levels if n is not None] == []  # no number anywhere: not 0
    assert quantity == 0 and total == 12  # the totals count what is known (5 + 7)
    assert pending == []  # nothing for the push to send over Shopify's number


async def test_a_product_pulled_without_a_variants_quantity_has_no_number_for_it(
    client: httpx.AsyncClient,
    editor_headers: dict[str, str],
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """A product made of Shopify's read (a pull, a webhook) where the read did not say a
    variant's quantity: that variant gets no level number, the others Shopify's."""
    made = int((await create_product(client, editor_headers, title="Tée"))["id"])
    async with sessionmaker() as session, session.begin():
        product = await load_product(session, product_id=made)
        assert product is not None
        local = local_product(product)
        remote = replace(
            local,
            handle="tee-from-shopify",
            shopify_product_id="gid://shopify/Product/9",
            variants=[
                replace(
                    v,
                    sku=f"SHOP-{k}",
                    inventory_quantity=None if k else 4,
                    shopify_variant_id=f"gid://shopify/ProductVariant/9{k}",
                )
                for k, v in enumerate(local.variants)
            ],
        )
        creation = await build_from_remote(session, remote, None)
        (pulled,) = await write_new(session, [creation], PULL_ACTOR)
    async with sessionmaker() as session:
        levels = dict(
            (
                await session.execute(
                    select(ProductVariant.sku, InventoryLevel.available).join(
                        InventoryLevel, InventoryLevel.variant_id == ProductVariant.id
                    )
                )
            ).all()
        )
        quantities = dict(
            (
                await session.execute(
                    select(ProductVariant.sku, ProductVariant.inventory_quantity).where(
                        ProductVariant.product_id == pulled
                    )
                )
            ).all()
        )
        pending = await pending_levels(session, [pulled])
    assert levels.get("SHOP-0") == 4
    assert levels.get("SHOP-1") is None  # no number (or no level): not 0
    assert quantities == {"SHOP-0": 4, "SHOP-1": 0}  # totals count what is known
    assert pending == []
