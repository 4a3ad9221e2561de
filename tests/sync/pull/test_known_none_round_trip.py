"""A template suffix (the product's, the gift card's), an SEO title or description, or an item's
province of origin that is none
is a known value here, "", never "not known" (None): a merchant's clear here is pushed (as
Shopify's clear, null) and compared in the three-way merge like any value, and Shopify's none
(null on a read) is read as "" — so a clear reaches Shopify, the next pull does not bring the
old value back, and a clear made in Shopify's admin reaches the catalog as none.

Against the emulator over loopback HTTP, on each database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.audit.service import Actor
from product_dashboard.models import AuditSource, Product
from product_dashboard.product import service as product_service
from product_dashboard.product.schemas import ProductUpdate, VariantIn
from product_dashboard.sync.pull.engine import PullParams
from product_dashboard.sync.push.modes import PushMode
from tests.sync.conftest import Emulator, push
from tests.sync.pull.conftest import PRODUCT_SET, Store, only_product, pull

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Sessions = async_sessionmaker[AsyncSession]

SOURCES = {
    "bulk": PullParams(kind="full"),
    "pages": PullParams(kind="incremental", since=datetime(2000, 1, 1, tzinfo=UTC)),
}
_READ = """
query Read($id: ID!) {
  product(id: $id) {
    templateSuffix giftCardTemplateSuffix seo { title description }
    variants(first: 5) { nodes { inventoryItem { provinceCodeOfOrigin } } }
  }
}
"""
SET_IN_STORE = ("festive-page", "festive", "QC", "Gift box | Shop", "A box for gifts.")
NONE = ("", "", "", "", "")
NOTHING = (None, None, None, None, None)


async def _made_in_store(store: Store, *, with_values: bool) -> str:
    fields: dict[str, Any] = (
        {
            "templateSuffix": "festive-page",
            "giftCardTemplateSuffix": "festive",
            "seo": {"title": "Gift box | Shop", "description": "A box for gifts."},
        }
        if with_values
        else {}
    )
    created = await store.client.execute(
        PRODUCT_SET,
        {
            "input": {
                "title": "Gift box",
                **fields,
                "productOptions": [{"name": "Size", "values": [{"name": "S"}]}],
                "variants": [
                    {
                        "optionValues": [{"optionName": "Size", "name": "S"}],
                        "price": "30.00",
                        "inventoryItem": {"provinceCodeOfOrigin": "QC"} if with_values else {},
                    }
                ],
            }
        },
        idempotent=False,
    )
    assert created.data["productSet"]["userErrors"] == []
    shopify_id: str = created.data["productSet"]["product"]["id"]
    return shopify_id


async def _held(store: Store, shopify_id: str) -> tuple[Any, ...]:
    product = (await store.client.execute(_READ, {"id": shopify_id})).data["product"]
    [variant] = product["variants"]["nodes"]
    return (
        product["templateSuffix"],
        product["giftCardTemplateSuffix"],
        variant["inventoryItem"]["provinceCodeOfOrigin"],
        product["seo"]["title"],
        product["seo"]["description"],
    )


def _local(product: Product) -> tuple[Any, ...]:
    [variant] = product.variants
    return (
        product.template_suffix,
        product.gift_card_template_suffix,
        variant.province_code_of_origin,
        product.seo_title,
        product.seo_description,
    )


async def _clear_here(sessions: Sessions, product: Product) -> None:
    """The merchant empties the five fields on the product page (the page sends "")."""
    [variant] = product.variants
    async with sessions() as session, session.begin():
        await product_service.update(
            session,
            product.id,
            ProductUpdate(
                template_suffix="",
                gift_card_template_suffix="",
                seo_title="",
                seo_description="",
                variants=[
                    VariantIn(
                        id=variant.id,
                        price="30.00",
                        option_values=variant.option_values,
                        inventory_quantity=variant.inventory_quantity,
                        province_code_of_origin="",
                    )
                ],
            ),
            Actor(source=AuditSource.api),
        )


@pytest.mark.parametrize("source", list(SOURCES))
async def test_a_clear_here_reaches_shopify_and_the_next_pull_keeps_it(
    sessions: Sessions, store: Store, emulator: Emulator, source: str
) -> None:
    shopify_id = await _made_in_store(store, with_values=True)
    await pull(sessions, store, SOURCES["bulk"])
    local = await only_product(sessions)
    assert _local(local) == SET_IN_STORE

    await _clear_here(sessions, local)
    cleared = await push(sessions, emulator, PushMode.sequential)

    assert (cleared.pushed, cleared.failed) == (1, 0), cleared.errors
    assert await _held(store, shopify_id) == NOTHING  # Shopify's none
    again = await pull(sessions, store, SOURCES[source])
    assert not again.outcomes.keys() & {"merged", "conflict", "error"}, again.outcomes
    assert _local(await only_product(sessions)) == NONE  # known: none, not brought back
    calls = emulator.mutations()
    echo = await push(sessions, emulator, PushMode.sequential)
    assert (echo.pushed, echo.failed) == (0, 0)  # nothing left to send
    assert emulator.mutations() == calls


@pytest.mark.parametrize("source", list(SOURCES))
async def test_a_stores_none_is_read_as_known_none(
    sessions: Sessions, store: Store, emulator: Emulator, source: str
) -> None:
    shopify_id = await _made_in_store(store, with_values=False)
    assert await _held(store, shopify_id) == NOTHING

    report = await pull(sessions, store, SOURCES[source])

    assert report.outcomes == {"created": 1}
    local = await only_product(sessions)
    assert _local(local) == NONE
    calls = emulator.mutations()
    nothing = await push(sessions, emulator, PushMode.sequential)
    assert (nothing.pushed, nothing.failed) == (0, 0)  # an echo: nothing to send back
    assert emulator.mutations() == calls


async def test_a_clear_in_shopifys_admin_reaches_the_catalog_as_none(
    sessions: Sessions, store: Store, emulator: Emulator
) -> None:
    shopify_id = await _made_in_store(store, with_values=True)
    await pull(sessions, store, SOURCES["bulk"])
    await store.edit(
        shopify_id,
        templateSuffix=None,
        giftCardTemplateSuffix=None,
        variants=[{"inventoryItem": {"provinceCodeOfOrigin": None}}],
        seo={"title": None, "description": None},
    )
    assert await _held(store, shopify_id) == NOTHING

    report = await pull(sessions, store, SOURCES["pages"])

    assert report.outcomes == {"merged": 1}, report.errors
    assert _local(await only_product(sessions)) == NONE


async def test_a_clear_here_against_a_change_in_shopify_is_a_conflict(
    sessions: Sessions, store: Store
) -> None:
    shopify_id = await _made_in_store(store, with_values=True)
    await pull(sessions, store, SOURCES["bulk"])
    await _clear_here(sessions, await only_product(sessions))
    await store.edit(shopify_id, giftCardTemplateSuffix="summer")

    report = await pull(sessions, store, SOURCES["pages"])

    assert report.outcomes == {"conflict": 1}
    [conflict] = report.conflicts
    assert conflict["fields"] == ["gift_card_template_suffix"]
    assert _local(await only_product(sessions)) == NONE  # the clear kept until someone decides
