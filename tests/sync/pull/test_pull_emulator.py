"""Pull from the emulator over loopback HTTP: full, incremental, idempotent, local edits kept."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.audit.service import Actor
from product_dashboard.conflict.shapes import local_product
from product_dashboard.models import AuditEvent, AuditSource, Product, ProductConflict
from product_dashboard.product import service as product_service
from product_dashboard.product.schemas import ProductCreate, ProductUpdate
from product_dashboard.shopify.mapping import SyncProduct, content_hash
from product_dashboard.sync.pull.cursor import load_cursor
from product_dashboard.sync.pull.engine import PullParams
from tests.sync.pull.conftest import Store, audit_count, local_products, pull

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]


def _same(local: SyncProduct, remote: SyncProduct) -> bool:
    return content_hash(local) == content_hash(remote) and sorted(
        str(v.shopify_variant_id) for v in local.variants
    ) == sorted(str(v.shopify_variant_id) for v in remote.variants)


async def _state(sessions: Sessions) -> dict[int, tuple[Any, ...]]:
    return {
        p.id: (p.version, p.synced_version, p.synced_hash, p.updated_at, p.title)
        for p in await local_products(sessions)
    }


async def _by_shopify_id(sessions: Sessions) -> dict[str, Product]:
    return {p.shopify_product_id or "": p for p in await local_products(sessions)}


async def test_full_pull_into_empty_catalog_copies_every_product(
    sessions: Sessions, store: Store
) -> None:
    await store.seed(40)
    report = await pull(sessions, store, PullParams(kind="auto"))

    assert report.kind == "full" and report.source == "bulk"
    assert report.outcomes == {"created": 40}
    remote = await store.products()
    local = await local_products(sessions)
    assert len(local) == len(remote) == 40
    for product in local:
        assert product.shopify_product_id in remote
        assert _same(local_product(product), remote[product.shopify_product_id or ""])
        assert product.synced_version == product.version == 1
        assert product.sync_state == "synced"
        assert product.total_inventory == sum(v.inventory_quantity for v in product.variants)
        assert product.price_min_cents == min(v.price_cents for v in product.variants)
        assert product.category_id is not None
    assert sum(len(p.variants) for p in local) > 40  # multi-variant products came whole
    async with sessions() as session:
        assert await load_cursor(session) == report.cursor is not None


async def test_pull_is_idempotent(sessions: Sessions, store: Store) -> None:
    await store.seed(25)
    await pull(sessions, store, PullParams(kind="full"))
    before, audits = await _state(sessions), await audit_count(sessions)

    again = await pull(sessions, store, PullParams(kind="full"))
    incremental = await pull(sessions, store, PullParams(kind="incremental"))

    assert again.outcomes == {"unchanged": 25}
    assert set(incremental.outcomes) <= {"unchanged"}
    assert await _state(sessions) == before  # no version bump, no write at all
    assert await audit_count(sessions) == audits


async def test_incremental_pull_picks_up_only_merchant_edits(
    sessions: Sessions, store: Store
) -> None:
    ids = await store.seed(30)
    await pull(sessions, store, PullParams(kind="full"))
    before = await _state(sessions)
    edited = ids[3:6]
    for n, shopify_id in enumerate(edited):
        await store.edit(shopify_id, title=f"Edited in Shopify {n}", price="77.50")

    report = await pull(sessions, store, PullParams(kind="auto"))

    assert report.kind == "incremental" and report.source == "pages"
    assert report.seen == 3 and report.outcomes == {"merged": 3}
    after = await _state(sessions)
    local = await _by_shopify_id(sessions)
    remote = await store.products()
    for n, shopify_id in enumerate(edited):
        product = local[shopify_id]
        assert product.title == f"Edited in Shopify {n}"
        assert {v.price_cents for v in product.variants} == {7750}
        assert product.price_min_cents == product.price_max_cents == 7750
        assert product.version == before[product.id][0] + 1
        assert product.synced_version == product.version  # in sync: nothing to push back
        assert _same(local_product(product), remote[shopify_id])
    untouched = {pid for pid in after if local_id_not_in(pid, local, edited)}
    assert all(after[pid] == before[pid] for pid in untouched)
    async with sessions() as session:
        sources = set(
            await session.scalars(
                select(AuditEvent.source).where(
                    AuditEvent.entity_id.in_([str(local[s].id) for s in edited]),
                    AuditEvent.action == "update",
                )
            )
        )
    assert sources == {AuditSource.sync}


def local_id_not_in(product_id: int, local: dict[str, Product], shopify_ids: list[str]) -> bool:
    return all(local[s].id != product_id for s in shopify_ids)


async def test_pull_never_overwrites_a_local_edit(sessions: Sessions, store: Store) -> None:
    ids = await store.seed(10)
    await pull(sessions, store, PullParams(kind="full"))
    local = await _by_shopify_id(sessions)
    both, other_field = local[ids[0]], local[ids[1]]
    async with sessions() as session, session.begin():
        actor = Actor(source=AuditSource.api)
        await product_service.update(session, both.id, ProductUpdate(title="Renamed here"), actor)
        await product_service.update(
            session, other_field.id, ProductUpdate(title="Also renamed here"), actor
        )
    await store.edit(ids[0], title="Renamed in Shopify")
    await store.edit(ids[1], vendor="Vendor from Shopify")

    report = await pull(sessions, store, PullParams(kind="incremental"))

    assert report.outcomes == {"conflict": 1, "merged": 1}
    local = await _by_shopify_id(sessions)
    conflicted = local[ids[0]]
    assert conflicted.title == "Renamed here"  # kept until a person decides
    assert conflicted.open_conflicts == 1 and conflicted.sync_state == "conflict"
    merged = local[ids[1]]
    assert merged.title == "Also renamed here"  # the local edit survives ...
    assert merged.vendor == "Vendor from Shopify"  # ... next to the remote-only change
    assert merged.sync_state == "pending"  # and the local edit still has to be pushed
    async with sessions() as session:
        record = (
            await session.scalars(
                select(ProductConflict).where(ProductConflict.product_id == conflicted.id)
            )
        ).one()
    assert [f["path"] for f in record.fields] == ["title"]
    assert record.source == "pull"
    assert report.conflicts == [
        {"product_id": conflicted.id, "conflict_id": record.id, "fields": ["title"]}
    ]


async def test_products_deleted_in_shopify(sessions: Sessions, store: Store) -> None:
    ids = await store.seed(12)
    await pull(sessions, store, PullParams(kind="full"))
    local = await _by_shopify_id(sessions)
    edited_here = local[ids[1]]
    async with sessions() as session, session.begin():
        await product_service.update(
            session, edited_here.id, ProductUpdate(title="Edited here"), Actor(AuditSource.api)
        )
    await store.delete(ids[0])
    await store.delete(ids[1])

    report = await pull(sessions, store, PullParams(kind="full"))

    deletions = report.deletions
    assert deletions is not None
    assert (deletions.missing, deletions.deleted, deletions.conflicts) == (2, 1, 1)
    assert {p["shopify_id"]: p["outcome"] for p in deletions.products} == {
        ids[0]: "deleted",
        ids[1]: "conflict",
    }
    local = await _by_shopify_id(sessions)
    assert ids[0] not in local  # unchanged here: deleted here too
    assert local[ids[1]].open_conflicts == 1  # edited here: a person decides
    assert len(local) == 11


async def test_an_emptied_store_deletes_nothing_without_force(
    sessions: Sessions, store: Store
) -> None:
    await store.seed(15)
    await pull(sessions, store, PullParams(kind="full"))
    await store.knob("reset")
    await store.knob("config", {"plan": "unlimited"})

    report = await pull(sessions, store, PullParams(kind="full"))

    assert report.deletions is not None
    assert report.deletions.missing == 15 and report.deletions.guarded
    assert report.deletions.deleted == 0
    assert len(await local_products(sessions)) == 15


async def test_html_shopify_writes_differently_is_not_a_change_every_time(
    sessions: Sessions, store: Store
) -> None:
    ids = await store.seed(3)
    await pull(sessions, store, PullParams(kind="full"))
    await store.edit(ids[0], descriptionHtml='<p onclick="steal()">Soft <b>cotton</b></p>')

    first = await pull(sessions, store, PullParams(kind="incremental"))
    version = (await _by_shopify_id(sessions))[ids[0]].version
    second = await pull(sessions, store, PullParams(kind="incremental"))

    assert first.outcomes == {"merged": 1}
    product = (await _by_shopify_id(sessions))[ids[0]]
    # #16: kept as Shopify holds it (sanitised where the dashboard shows it, never in storage)
    assert product.description_html == '<p onclick="steal()">Soft <b>cotton</b></p>'
    assert second.outcomes == {"unchanged": 1} and product.version == version


async def test_unicode_line_separators_in_a_description_arrive_whole(
    sessions: Sessions, store: Store
) -> None:
    """U+2028, U+2029 and U+0085 stand raw inside a result line's strings; once, reading the
    file as text cut the line at them and the full pull failed."""
    ids = await store.seed(3)
    description = "<p>Line\u2028separated\u2029paragraph\x85next</p>"
    await store.edit(ids[1], descriptionHtml=description)

    report = await pull(sessions, store, PullParams(kind="full"))

    assert report.outcomes == {"created": 3}
    assert (await _by_shopify_id(sessions))[ids[1]].description_html == description


async def test_a_product_that_cannot_be_created_costs_only_itself(
    sessions: Sessions, store: Store
) -> None:
    ids = await store.seed(6)
    taken = (await store.products())[ids[2]].handle
    async with sessions() as session, session.begin():
        await product_service.create(
            session,
            ProductCreate(title="Made here first", handle=taken),
            Actor(AuditSource.api),
        )

    report = await pull(sessions, store, PullParams(kind="full"))

    assert report.outcomes == {"created": 5, "not_linked": 1}
    assert [(e["shopify_id"], e["kind"]) for e in report.errors] == [(ids[2], "not_linked")]
    assert taken in report.errors[0]["error"]
    local = await _by_shopify_id(sessions)
    assert set(local) == {*ids[:2], *ids[3:], ""}  # "": ours, still unlinked
    assert local[""].title == "Made here first"
