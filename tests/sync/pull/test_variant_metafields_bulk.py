"""#16: a bulk pull never lets a push delete the variants' metafields in Shopify.

productSet replaces a variant's metafield list when it is given one. A store product whose
variants hold metafields is pulled with the bulk source, one variant metafield is added here (and
a price edited), and pushed: the store keeps every metafield it had, the second push sends
nothing. Against the emulator over loopback HTTP.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from product_dashboard.audit.service import Actor
from product_dashboard.models import AuditSource, Product
from product_dashboard.product import service as product_service
from product_dashboard.product.schemas import MetafieldIn, ProductUpdate, VariantIn
from product_dashboard.shopify.mapping import cents_to_money
from product_dashboard.sync.pull.engine import PullParams
from product_dashboard.sync.push.modes import PushMode
from tests.sync.conftest import Emulator, push
from tests.sync.pull.conftest import Store, pull

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]
TEXT = "single_line_text_field"
ENGRAVING = MetafieldIn(namespace="custom", key="engraving", type=TEXT, value="A&B")

_CREATE = """
mutation Create($input: ProductSetInput!) {
  productSet(input: $input, synchronous: true) {
    product { id }
    userErrors { field message code }
  }
}
"""
_READ = """
query Read($id: ID!) {
  product(id: $id) {
    metafields(first: 50) { nodes { namespace key value } }
    variants(first: 10) {
      nodes {
        price
        metafields(first: 50) { nodes { namespace key value } }
      }
    }
  }
}
"""


def _metafield(key: str, value: str) -> dict[str, str]:
    return {"namespace": "custom", "key": key, "type": TEXT, "value": value}


def _store_input() -> dict[str, Any]:
    return {
        "title": "Gold ring",
        "handle": "gold-ring",
        "metafields": [_metafield("material", "gold")],
        "productOptions": [{"name": "Size", "values": [{"name": "6"}, {"name": "7"}]}],
        "variants": [
            {
                "optionValues": [{"optionName": "Size", "name": size}],
                "price": "49.00",
                "metafields": [_metafield("stone", f"stone-{size}"), _metafield("cut", "oval")],
            }
            for size in ("6", "7")
        ],
    }


def _variant_metafields(product: dict[str, Any]) -> list[list[tuple[str, str, str]]]:
    return [
        sorted((m["namespace"], m["key"], m["value"]) for m in v["metafields"]["nodes"])
        for v in product["variants"]["nodes"]
    ]


async def _store_product(store: Store, shopify_id: str) -> dict[str, Any]:
    response = await store.client.execute(_READ, {"id": shopify_id})
    product: dict[str, Any] = response.data["product"]
    return product


async def _local(sessions: Sessions) -> Product:
    async with sessions() as session:
        return (
            await session.scalars(
                select(Product).options(
                    selectinload(Product.variants), selectinload(Product.metafields)
                )
            )
        ).one()


async def _add_engraving_and_edit_a_price(sessions: Sessions, product_id: int) -> None:
    """Variant "6" gets one more metafield (beside those it holds here) and a new price."""
    async with sessions() as session, session.begin():
        product = await product_service.get(session, product_id)
        held = [
            MetafieldIn(namespace=m.namespace, key=m.key, type=m.type, value=m.value)
            for m in product.metafields
            if m.variant_id is not None
            and m.variant_id == next(v.id for v in product.variants if v.option1 == "6")
        ]
        variants = [
            VariantIn(
                id=v.id,
                price="45.00" if v.option1 == "6" else cents_to_money(v.price_cents),
                option_values=v.option_values,
                sku=v.sku,
                inventory_quantity=v.inventory_quantity,
                metafields=[*held, ENGRAVING] if v.option1 == "6" else None,
            )
            for v in product.variants
        ]
        await product_service.update(
            session, product_id, ProductUpdate(variants=variants), Actor(source=AuditSource.api)
        )


async def test_bulk_pull_then_a_variant_metafield_added_here_deletes_none_in_the_store(
    sessions: Sessions, store: Store, emulator: Emulator
) -> None:
    created = await store.client.execute(_CREATE, {"input": _store_input()}, idempotent=False)
    assert created.data["productSet"]["userErrors"] == []
    shopify_id = created.data["productSet"]["product"]["id"]
    before = await _store_product(store, shopify_id)

    report = await pull(sessions, store, PullParams(kind="full"))
    assert report.outcomes == {"created": 1}
    await _add_engraving_and_edit_a_price(sessions, (await _local(sessions)).id)

    first = await push(sessions, emulator, PushMode.sequential)
    assert (first.pushed, first.failed) == (1, 0), first.errors

    after = await _store_product(store, shopify_id)
    assert [v["price"] for v in after["variants"]["nodes"]] == ["45.00", "49.00"]
    assert after["metafields"] == before["metafields"]
    kept = _variant_metafields(after)
    for had, has in zip(_variant_metafields(before), kept, strict=True):
        assert set(had) <= set(has), (had, has)  # not one of the store's metafields deleted

    calls = int(emulator.stats().get("mutations", 0))
    second = await push(sessions, emulator, PushMode.sequential)
    assert (second.pushed, second.failed) == (0, 0)
    assert int(emulator.stats().get("mutations", 0)) == calls
