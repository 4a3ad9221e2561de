"""#16: the whole product survives pull → edit → push, and the second push sends nothing.

A store product with 7 images, product and variant metafields, SEO, a template suffix and variant
tax fields is pulled, one price is edited here and pushed: the store keeps every image (same media
ids, same order and alt texts) and every metafield, only the price moves, and a second push sends
nothing. Against the emulator over loopback HTTP.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.audit.service import Actor
from product_dashboard.models import AuditSource
from product_dashboard.product import service as product_service
from product_dashboard.product.schemas import ProductUpdate, VariantIn
from product_dashboard.sync.pull.engine import PullParams
from product_dashboard.sync.push.modes import PushMode
from tests.sync.conftest import Emulator, push
from tests.sync.pull.conftest import PRODUCT_SET, Store, only_product, pull

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]
IMAGES = 7

_READ = """
query Read($id: ID!) {
  product(id: $id) {
    title
    descriptionHtml
    templateSuffix
    seo { title description }
    media(first: 50) { nodes { id alt ... on MediaImage { image { url } } } }
    metafields(first: 50) { nodes { namespace key type value } }
    variants(first: 10) {
      nodes {
        price
        taxable
        metafields(first: 10) { nodes { namespace key value } }
      }
    }
  }
}
"""
DESCRIPTION = '<p style="color:#333" data-track="x">Ring <!-- keep --><b>925</b> silver</p>'


def _store_input() -> dict[str, Any]:
    return {
        "title": "Silver ring",
        "handle": "silver-ring",
        "descriptionHtml": DESCRIPTION,
        "templateSuffix": "jewelry",
        "seo": {"title": "Silver ring | Shop", "description": "A ring of 925 silver."},
        "files": [
            {
                "originalSource": f"https://example.com/ring-{n}.jpg",
                "alt": f"Ring view {n}",
                "contentType": "IMAGE",
            }
            for n in range(1, IMAGES + 1)
        ],
        "metafields": [
            {
                "namespace": "custom",
                "key": "material",
                "type": "single_line_text_field",
                "value": "silver",
            },
            {
                "namespace": "shopify",
                "key": "color-pattern",
                "type": "single_line_text_field",
                "value": "silver",
            },
        ],
        "productOptions": [{"name": "Size", "values": [{"name": "6"}, {"name": "7"}]}],
        "variants": [
            {
                "optionValues": [{"optionName": "Size", "name": size}],
                "price": price,
                "taxable": False,
                "metafields": [
                    {
                        "namespace": "custom",
                        "key": "stone",
                        "type": "single_line_text_field",
                        "value": f"stone-{size}",
                    }
                ],
            }
            for size, price in (("6", "49.00"), ("7", "52.00"))
        ],
    }


async def _store_product(store: Store, shopify_id: str) -> dict[str, Any]:
    response = await store.client.execute(_READ, {"id": shopify_id})
    product: dict[str, Any] = response.data["product"]
    return product


# A bulk query reads connections two levels deep at most: the variants' metafields come from a
# second bulk query over productVariants, merged in; pages read them with the products.
SOURCES = {
    "bulk": PullParams(kind="full"),
    "pages": PullParams(kind="incremental", since=datetime(2000, 1, 1, tzinfo=UTC), use_bulk=False),
}
PRODUCT_METAFIELDS = [("custom", "material", "silver"), ("shopify", "color-pattern", "silver")]
VARIANT_METAFIELDS = [("custom", "stone", "stone-6"), ("custom", "stone", "stone-7")]


@pytest.mark.parametrize("source", list(SOURCES))
async def test_pull_edit_a_price_push_keeps_every_image_and_metafield(
    sessions: Sessions, store: Store, emulator: Emulator, source: str
) -> None:
    created = await store.client.execute(PRODUCT_SET, {"input": _store_input()}, idempotent=False)
    assert created.data["productSet"]["userErrors"] == []
    shopify_id = created.data["productSet"]["product"]["id"]
    before = await _store_product(store, shopify_id)
    assert len(before["media"]["nodes"]) == IMAGES

    report = await pull(sessions, store, SOURCES[source])
    assert report.outcomes == {"created": 1}
    local = await only_product(sessions)
    assert [i.shopify_media_id for i in local.images] == [m["id"] for m in before["media"]["nodes"]]
    assert local.media_complete and local.metafields_complete
    assert local.variant_metafields_complete
    assert local.description_html == DESCRIPTION  # as written, comments and attributes kept
    assert local.seo_title == "Silver ring | Shop" and local.template_suffix == "jewelry"
    expected = PRODUCT_METAFIELDS + VARIANT_METAFIELDS
    assert sorted((m.namespace, m.key, m.value) for m in local.metafields) == sorted(expected)
    assert [v.taxable for v in local.variants] == [False, False]

    async with sessions() as session, session.begin():
        product = await product_service.get(session, local.id)
        variants = [
            VariantIn(
                id=v.id,
                price="45.00" if v.option1 == "6" else "52.00",
                option_values=v.option_values,
                sku=v.sku,
                barcode=v.barcode,
                taxable=v.taxable,
                requires_shipping=v.requires_shipping,
                inventory_quantity=v.inventory_quantity,
                weight_grams=v.weight_grams,
            )
            for v in product.variants
        ]
        await product_service.update(
            session,
            local.id,
            ProductUpdate(variants=variants),
            Actor(source=AuditSource.api),
        )

    first = await push(sessions, emulator, PushMode.sequential)
    assert (first.pushed, first.failed) == (1, 0), first.errors

    after = await _store_product(store, shopify_id)
    assert after["media"] == before["media"]  # same media ids, order, alt and URLs
    assert sorted(after["metafields"]["nodes"], key=str) == sorted(
        before["metafields"]["nodes"], key=str
    )
    assert [v["metafields"] for v in after["variants"]["nodes"]] == [
        v["metafields"] for v in before["variants"]["nodes"]
    ]
    assert after["descriptionHtml"] == DESCRIPTION
    assert after["seo"] == before["seo"] and after["templateSuffix"] == "jewelry"
    assert [v["price"] for v in after["variants"]["nodes"]] == ["45.00", "52.00"]
    assert [v["taxable"] for v in after["variants"]["nodes"]] == [False, False]

    calls = emulator.mutations()
    second = await push(sessions, emulator, PushMode.sequential)
    assert (second.pushed, second.failed) == (0, 0)
    assert emulator.mutations() == calls  # nothing sent

    again = await pull(sessions, store, SOURCES[source])  # the push's echo changes nothing
    assert set(again.outcomes) <= {"unchanged", "echo"}, again.outcomes
    calls = emulator.mutations()  # (a bulk pull runs a mutation of its own)
    third = await push(sessions, emulator, PushMode.sequential)
    assert (third.pushed, third.failed) == (0, 0)
    assert emulator.mutations() == calls
