"""#16: a bulk pull reads "no media" as none, so an image added here reaches the store.

A bulk result has no line for a list that is empty, so a product with no media looked like one
whose media were never read: its `media_complete` stayed False, and a push never sent an image
added here. The bulk query asks for the media and is never paged, so no line is none. Against
the emulator over loopback HTTP.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.audit.service import Actor
from product_dashboard.models import AuditSource, Product
from product_dashboard.product import service as product_service
from product_dashboard.product.schemas import ImageIn, ProductUpdate, VariantIn
from product_dashboard.shopify.mapping import cents_to_money
from product_dashboard.sync.pull.engine import PullParams
from product_dashboard.sync.push.modes import PushMode
from tests.sync.conftest import Emulator, push
from tests.sync.pull.conftest import PRODUCT_SET, Store, local_products, pull

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]
IMAGES = ["https://example.com/vase-a.jpg", "https://example.com/vase-b.jpg"]
ADDED = "https://example.com/plain-cup.jpg"

_MEDIA = """
query Media($id: ID!) {
  product(id: $id) {
    media(first: 10) { nodes { id alt ... on MediaImage { image { url } } } }
  }
}
"""


async def _create(store: Store, handle: str, images: list[str]) -> str:
    data: dict[str, Any] = {
        "title": handle.replace("-", " ").title(),
        "handle": handle,
        "variants": [
            {"optionValues": [{"optionName": "Title", "name": "Default Title"}], "price": "20.00"}
        ],
        "productOptions": [{"name": "Title", "values": [{"name": "Default Title"}]}],
    }
    if images:
        data["files"] = [{"originalSource": url, "contentType": "IMAGE"} for url in images]
    created = await store.client.execute(PRODUCT_SET, {"input": data}, idempotent=False)
    assert created.data["productSet"]["userErrors"] == []
    shopify_id: str = created.data["productSet"]["product"]["id"]
    return shopify_id


async def _store_media(store: Store, shopify_id: str) -> list[dict[str, Any]]:
    response = await store.client.execute(_MEDIA, {"id": shopify_id})
    media: list[dict[str, Any]] = response.data["product"]["media"]["nodes"]
    return media


async def _edit(sessions: Sessions, product: Product, images: list[ImageIn] | None) -> None:
    """A price edit, and (when given) the product's images replaced by `images`."""
    async with sessions() as session, session.begin():
        variants = [
            VariantIn(
                id=v.id,
                price=cents_to_money(v.price_cents + 100),
                option_values=v.option_values,
                sku=v.sku,
                inventory_quantity=v.inventory_quantity,
            )
            for v in product.variants
        ]
        await product_service.update(
            session,
            product.id,
            ProductUpdate(variants=variants, images=images),
            Actor(source=AuditSource.api),
        )


async def test_a_bulk_pull_knows_no_media_and_a_push_adds_an_image_by_url(
    sessions: Sessions, store: Store, emulator: Emulator
) -> None:
    plain_id = await _create(store, "plain-cup", [])
    vase_id = await _create(store, "blue-vase", IMAGES)
    vase_media = await _store_media(store, vase_id)
    assert len(vase_media) == 2

    report = await pull(sessions, store, PullParams(kind="full"))
    assert report.outcomes == {"created": 2}
    local = {p.shopify_product_id: p for p in await local_products(sessions)}
    plain, vase = local[plain_id], local[vase_id]
    assert plain.images == [] and plain.media_complete  # none read as none, not "not known"
    assert len(vase.images) == 2 and vase.media_complete

    await _edit(sessions, plain, [ImageIn(src=ADDED, alt="A plain cup")])
    await _edit(sessions, vase, None)
    first = await push(sessions, emulator, PushMode.sequential)
    assert (first.pushed, first.failed) == (2, 0), first.errors

    added = await _store_media(store, plain_id)
    assert [(m["alt"], m["image"]["url"]) for m in added] == [("A plain cup", ADDED)]
    assert await _store_media(store, vase_id) == vase_media  # kept, same ids, none re-uploaded

    calls = emulator.mutations()
    second = await push(sessions, emulator, PushMode.sequential)
    assert (second.pushed, second.failed) == (0, 0)
    assert emulator.mutations() == calls
