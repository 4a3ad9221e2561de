"""#16: a bulk pull reads the variants' metafields and images, and no push deletes them.

productSet replaces a variant's metafield list when it is given one. A store product whose
variants hold metafields (and one an image) is pulled with the bulk source, one variant metafield
is added here (and a price edited), and pushed: the store keeps every metafield it had and gains
the new one, the second push sends nothing. Against the emulator over loopback HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.audit.service import Actor
from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.conflict.remote_apply import apply_remote
from product_dashboard.inbound.payloads import product_from_rest
from product_dashboard.kit.time import parse_time
from product_dashboard.models import AuditSource, Product, ProductMetafield
from product_dashboard.product import service as product_service
from product_dashboard.product.schemas import MetafieldIn, ProductUpdate, VariantIn
from product_dashboard.shopify.bulk_read import BulkReader, Remote
from product_dashboard.shopify.export import ExportPart, plan_export
from product_dashboard.shopify.mapping import (
    MEDIA,
    METAFIELDS,
    VARIANT_METAFIELDS,
    cents_to_money,
)
from product_dashboard.sync.pull.engine import PullCheckpoint, PullHooks, PullParams
from product_dashboard.sync.push.modes import PushMode
from shopify_emulator.webhooks.payloads import product_webhook_payload
from shopify_emulator.webhooks.queries import PRODUCT_WEBHOOK_QUERY
from tests.fixtures.emulator import API
from tests.sync.conftest import Emulator, push
from tests.sync.pull.conftest import PRODUCT_SET, Store, local_products, only_product, pull

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]
TEXT = "single_line_text_field"
IMAGES = ["https://example.com/gold-ring-a.jpg", "https://example.com/gold-ring-b.jpg"]
ENGRAVING = MetafieldIn(namespace="custom", key="engraving", type=TEXT, value="A&B")

_READ = """
query Read($id: ID!) {
  product(id: $id) {
    metafields(first: 50) { nodes { namespace key value } }
    media(first: 10) { nodes { id } }
    variants(first: 10) {
      nodes {
        price
        media(first: 5) { nodes { id } }
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
        "files": [{"originalSource": url, "contentType": "IMAGE"} for url in IMAGES],
        "productOptions": [{"name": "Size", "values": [{"name": "6"}, {"name": "7"}]}],
        "variants": [
            {
                "optionValues": [{"optionName": "Size", "name": size}],
                "price": "49.00",
                "metafields": [_metafield("stone", f"stone-{size}"), _metafield("cut", "oval")],
                **(
                    {"file": {"originalSource": IMAGES[1], "contentType": "IMAGE"}}
                    if size == "7"
                    else {}
                ),
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


async def test_bulk_pull_reads_variant_metafields_and_a_push_deletes_none_in_the_store(
    sessions: Sessions, store: Store, emulator: Emulator
) -> None:
    created = await store.client.execute(PRODUCT_SET, {"input": _store_input()}, idempotent=False)
    assert created.data["productSet"]["userErrors"] == []
    shopify_id = created.data["productSet"]["product"]["id"]
    before = await _store_product(store, shopify_id)

    report = await pull(sessions, store, PullParams(kind="full"))
    assert report.outcomes == {"created": 1}
    local = await only_product(sessions)
    assert local.metafields_complete and local.variant_metafields_complete
    held = sorted(
        (m.namespace, m.key, m.value, m.shopify_metafield_id is not None)
        for m in local.metafields
        if m.variant_id is not None
    )
    assert held == sorted(
        ("custom", key, value, True)
        for size in ("6", "7")
        for key, value in (("stone", f"stone-{size}"), ("cut", "oval"))
    )
    shown = {v.option1: v.image_id for v in local.variants}
    assert shown["6"] is None and shown["7"] == local.images[1].id  # the variant's image, read

    await _add_engraving_and_edit_a_price(sessions, local.id)
    first = await push(sessions, emulator, PushMode.sequential)
    assert (first.pushed, first.failed) == (1, 0), first.errors

    after = await _store_product(store, shopify_id)
    assert [v["price"] for v in after["variants"]["nodes"]] == ["45.00", "49.00"]
    assert after["metafields"] == before["metafields"]
    assert after["media"] == before["media"]
    assert [v["media"] for v in after["variants"]["nodes"]] == [
        v["media"] for v in before["variants"]["nodes"]
    ]
    had = _variant_metafields(before)
    assert _variant_metafields(after) == [sorted([*had[0], ("custom", "engraving", "A&B")]), had[1]]

    calls = emulator.mutations()
    second = await push(sessions, emulator, PushMode.sequential)
    assert (second.pushed, second.failed) == (0, 0)
    assert emulator.mutations() == calls  # nothing sent

    again = await pull(sessions, store, PullParams(kind="full"))  # the push's echo
    assert set(again.outcomes) <= {"unchanged", "echo"}, again.outcomes
    calls = emulator.mutations()  # (a bulk pull runs mutations of its own)
    third = await push(sessions, emulator, PushMode.sequential)
    assert (third.pushed, third.failed) == (0, 0)
    assert emulator.mutations() == calls


async def _webhook(sessions: Sessions, store: Store, shopify_id: str) -> str:
    """Shopify's products/update for the product now (no metafields in it), applied here."""
    # The emulator's own body query, with pages small enough for a client's cost limit.
    query = PRODUCT_WEBHOOK_QUERY.replace("(first: 250)", "(first: 10)")
    response = await store.client.execute(query, {"id": shopify_id})
    remote = product_from_rest(product_webhook_payload(response.data["product"]))
    assert not remote.knows(VARIANT_METAFIELDS)
    async with sessions() as session, session.begin():
        result = await apply_remote(
            session,
            remote,
            remote_updated_at=parse_time(response.data["product"]["updatedAt"]),
            source="webhook",
            events=ConflictEvents(None),
        )
    return result.outcome.value


async def _variant_metafield_rows(sessions: Sessions) -> list[tuple[str, str, str | None]]:
    local = await only_product(sessions)
    return sorted((m.key, m.value, m.shopify_metafield_id) for m in local.metafields)


@pytest.mark.parametrize("known", [True, False])
async def test_a_webhook_neither_sets_nor_clears_the_variant_metafields_marker(
    sessions: Sessions, store: Store, known: bool
) -> None:
    created = await store.client.execute(PRODUCT_SET, {"input": _store_input()}, idempotent=False)
    shopify_id = created.data["productSet"]["product"]["id"]
    await pull(sessions, store, PullParams(kind="full"))
    async with sessions() as session, session.begin():
        await session.execute(update(Product).values(variant_metafields_complete=known))
    rows = await _variant_metafield_rows(sessions)

    await store.edit(shopify_id, title="Gold ring, polished")
    assert await _webhook(sessions, store, shopify_id) == "merged"

    local = await only_product(sessions)
    assert local.title == "Gold ring, polished"
    assert local.variant_metafields_complete is known
    assert await _variant_metafield_rows(sessions) == rows  # none cleared, none changed


async def test_the_variants_export_split_over_the_slots_sees_every_variant(
    sessions: Sessions, store: Store
) -> None:
    await store.seed(120)
    plans: list[ExportPart] = []

    class Watch(PullHooks):
        async def on_checkpoint(self, checkpoint: PullCheckpoint, *, flush: bool = False) -> None:
            plans[:] = checkpoint.variant_parts or []

    report = await pull(sessions, store, PullParams(kind="full"), hooks=Watch())

    assert report.outcomes == {"created": 120}
    assert len(plans) > 1 and all(part.rows == "variants" for part in plans)
    local = await local_products(sessions)
    assert all(p.metafields_complete and p.variant_metafields_complete for p in local)


async def test_a_webhook_merge_never_marks_lists_it_did_not_read_as_known(
    sessions: Sessions, store: Store, emulator: Emulator
) -> None:
    """A product whose metafields were never read here (linked before #16) holds none locally;
    a products/update (no metafields in it) merged here must not make "none" look like
    Shopify's whole list, or the next push would give productSet an empty list and delete the
    store's metafields."""
    created = await store.client.execute(PRODUCT_SET, {"input": _store_input()}, idempotent=False)
    shopify_id = created.data["productSet"]["product"]["id"]
    await pull(sessions, store, PullParams(kind="full"))
    async with sessions() as session, session.begin():
        product = (await session.scalars(select(Product))).one()
        await session.execute(
            delete(ProductMetafield).where(ProductMetafield.product_id == product.id)
        )
        product.metafields_complete = False
        product.variant_metafields_complete = False

    await store.edit(shopify_id, title="Gold ring, polished")
    assert await _webhook(sessions, store, shopify_id) == "merged"

    local = await only_product(sessions)
    assert local.title == "Gold ring, polished"
    assert (local.metafields_complete, local.variant_metafields_complete) == (False, False)
    async with sessions() as session, session.begin():
        await product_service.update(
            session, local.id, ProductUpdate(vendor="Atelier"), Actor(source=AuditSource.api)
        )
    pushed = await push(sessions, emulator, PushMode.sequential)
    assert (pushed.pushed, pushed.failed) == (1, 0), pushed.errors
    remote = await _store_product(store, shopify_id)
    assert [m["key"] for m in remote["metafields"]["nodes"]] == ["material"]
    assert _variant_metafields(remote) == [
        [("custom", "cut", "oval"), ("custom", "stone", "stone-6")],
        [("custom", "cut", "oval"), ("custom", "stone", "stone-7")],
    ]


async def test_a_bulk_read_for_detect_or_reconcile_reads_what_a_bulk_pull_reads(
    store: Store,
) -> None:
    """shopify/bulk_read (detect, reconcile) runs the variants export as the pull does: the
    variants' metafields and images are known, as are a bare product's (empty) lists."""
    created = await store.client.execute(PRODUCT_SET, {"input": _store_input()}, idempotent=False)
    ring_id = created.data["productSet"]["product"]["id"]
    bare = {"title": "Bare", "handle": "bare", "productOptions": [], "variants": []}
    created = await store.client.execute(PRODUCT_SET, {"input": bare}, idempotent=False)
    bare_id = created.data["productSet"]["product"]["id"]
    read: dict[str, Remote] = {}

    async def handle(chunk: list[Remote]) -> None:
        read.update((remote.shopify_id, remote) for remote in chunk)

    async def saved(_: Sequence[ExportPart]) -> None:
        return None

    parts, _ = await plan_export(store.client, None, 5)
    variant_parts, _ = await plan_export(store.client, None, 5, rows="variants")
    reader = BulkReader(store.client, should_stop=lambda: False, on_saved=saved)
    assert await reader.run(parts, handle, variant_parts=variant_parts) is not None

    ring, plain = read[ring_id].product, read[bare_id].product
    assert ring is not None and plain is not None
    for product in (ring, plain):
        assert all(product.knows(name) for name in (MEDIA, METAFIELDS, VARIANT_METAFIELDS))
    assert plain.images == [] and plain.metafields == []
    assert [sorted((m.key, m.value) for m in v.metafields) for v in ring.variants] == [
        [("cut", "oval"), ("stone", f"stone-{size}")] for size in ("6", "7")
    ]
    assert [v.image_src for v in ring.variants] == [None, ring.images[1].src]


async def _variant_metafields_of(sessions: Sessions, shopify_id: str) -> list[tuple[Any, ...]]:
    async with sessions() as session:
        rows = await session.execute(
            select(
                ProductMetafield.key, ProductMetafield.value, ProductMetafield.shopify_metafield_id
            )
            .join(Product, Product.id == ProductMetafield.product_id)
            .where(
                Product.shopify_product_id == shopify_id, ProductMetafield.variant_id.is_not(None)
            )
        )
        return sorted(tuple(row) for row in rows)


def _bulk_queries(emulator: Emulator) -> list[dict[str, Any]]:
    body = emulator.http.post(
        API,
        json={
            "query": '{ bulkOperations(first: 100, query: "operation_type:query") '
            "{ nodes { id query objectCount } } }"
        },
    ).json()
    nodes: list[dict[str, Any]] = body["data"]["bulkOperations"]["nodes"]
    return nodes


async def test_an_incremental_bulk_pull_exports_the_variants_of_the_changed_products_only(
    sessions: Sessions, store: Store, emulator: Emulator
) -> None:
    await store.seed(60)
    created = await store.client.execute(PRODUCT_SET, {"input": _store_input()}, idempotent=False)
    shopify_id = created.data["productSet"]["product"]["id"]
    await pull(sessions, store, PullParams(kind="full"))
    rows = await _variant_metafields_of(sessions, shopify_id)
    assert len(rows) == 4
    await store.edit(shopify_id, title="Gold ring, polished")
    earlier = {op["id"] for op in _bulk_queries(emulator)}

    report = await pull(sessions, store, PullParams(kind="incremental", use_bulk=True))

    assert report.outcomes == {"merged": 1}
    ran = [op for op in _bulk_queries(emulator) if op["id"] not in earlier]
    variants = [int(op["objectCount"]) for op in ran if "productVariants" in op["query"]]
    # The ring's two variants, their four metafields and one image: not the store's 60 more.
    assert sum(variants) == 2 + 4 + 1
    (ring,) = [p for p in await local_products(sessions) if p.shopify_product_id == shopify_id]
    assert ring.title == "Gold ring, polished"
    assert ring.variant_metafields_complete  # read in full with it, as a full pull reads them
    assert await _variant_metafields_of(sessions, shopify_id) == rows
