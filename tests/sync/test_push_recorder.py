"""The push recorder's set-based writes: what a batch of outcomes leaves in the catalog."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.kit.time import as_utc, utcnow
from product_dashboard.models import Product, ProductVariant
from product_dashboard.sync.push import recorder
from product_dashboard.sync.push.items import PushItem, load_push_items
from product_dashboard.sync.push.recorder import PushOutcome
from tests.sync.conftest import local_products, seed

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("statements")]


@pytest.fixture(params=["set-based", "executemany"])
def statements(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both ways of writing: one UPDATE per chunk, and the executemany fallback."""
    if request.param == "executemany":
        monkeypatch.setattr(recorder, "_SET_BASED", {})
        monkeypatch.setattr(recorder, "_UNCHANGED", {})


async def _items(sessionmaker: async_sessionmaker[AsyncSession], ids: list[int]) -> list[PushItem]:
    async with sessionmaker() as session:
        return await load_push_items(session, ids)


async def _record(
    sessionmaker: async_sessionmaker[AsyncSession], outcomes: list[PushOutcome]
) -> None:
    async with sessionmaker() as session, session.begin():
        await recorder.record(session, outcomes, utcnow())


def _synced(item: PushItem, number: int) -> PushOutcome:
    return PushOutcome(
        item=item,
        ok=True,
        shopify_product_id=f"gid://shopify/Product/{number}",
        variant_ids=[
            f"gid://shopify/ProductVariant/{number}{n}" for n in range(len(item.variant_row_ids))
        ],
    )


async def test_a_batch_records_ids_hash_snapshot_and_leaves_edits_alone(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ids = await seed(app, 4)
    before = {p.id: (p.version, p.updated_at) for p in await local_products(sessionmaker)}
    items = await _items(sessionmaker, ids)
    await _record(
        sessionmaker,
        [
            _synced(items[0], 100),
            _synced(items[1], 101),
            PushOutcome(items[2], ok=False, error="Shopify refused the product: title: blank"),
            _synced(items[3], 103),
        ],
    )
    products = {p.id: p for p in await local_products(sessionmaker)}
    for item, number in ((items[0], 100), (items[1], 101), (items[3], 103)):
        product = products[item.product_id]
        assert product.shopify_product_id == f"gid://shopify/Product/{number}"
        assert product.synced_version == item.version and product.synced_at is not None
        assert item.snapshot is not None
        assert product.synced_snapshot == item.snapshot.to_stored()
        assert product.synced_hash == item.snapshot.snapshot_hash() == item.snapshot_hash
        assert (product.version, product.updated_at) == before[product.id]
    failed = products[items[2].product_id]
    assert failed.sync_error == "Shopify refused the product: title: blank"
    assert failed.synced_version is None and failed.shopify_product_id is None
    async with sessionmaker() as session:
        rows = await session.execute(select(ProductVariant.id, ProductVariant.shopify_variant_id))
        variants = {row_id: variant_id for row_id, variant_id in rows}
    assert variants[items[0].variant_row_ids[-1]] == (
        f"gid://shopify/ProductVariant/100{len(items[0].variant_row_ids) - 1}"
    )
    assert variants[items[2].variant_row_ids[0]] is None


async def test_a_late_outcome_never_moves_the_synced_version_back(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ids = await seed(app, 1)
    (item,) = await _items(sessionmaker, ids)
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Product)
            .where(Product.id == item.product_id)
            .values(synced_version=item.version + 5, synced_hash="newer")
        )
    await _record(sessionmaker, [_synced(item, 7)])
    async with sessionmaker() as session, session.begin():
        await recorder.mark_unchanged(session, [item], utcnow())
    (product,) = await local_products(sessionmaker)
    assert (product.synced_version, product.synced_hash) == (item.version + 5, "newer")


async def test_two_products_on_one_shopify_product_fail_only_the_second(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ids = await seed(app, 3)
    first, second, third = await _items(sessionmaker, ids)
    clash = _synced(second, 1)
    await _record(sessionmaker, [_synced(first, 1), clash, _synced(third, 3)])
    products = await local_products(sessionmaker)
    assert [p.shopify_product_id for p in products] == [
        "gid://shopify/Product/1",
        None,
        "gid://shopify/Product/3",
    ]
    assert not clash.ok and "already linked to another local product" in (clash.error or "")
    assert products[1].sync_error == clash.error


async def test_unchanged_products_are_marked_synced_at_their_version(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ids = await seed(app, 2)
    items = await _items(sessionmaker, ids)
    async with sessionmaker() as session, session.begin():
        await session.execute(update(Product).values(sync_error="old failure"))
        await recorder.mark_unchanged(session, items, utcnow())
    products = await local_products(sessionmaker)
    assert [(p.synced_version, p.sync_error) for p in products] == [
        (item.version, None) for item in items
    ]


async def test_shopify_updated_at_is_recorded_and_never_moves_back(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    [product_id] = await seed(app, 1)
    [item] = await _items(sessionmaker, [product_id])
    later = datetime(2026, 11, 28, 12, 0, 5, tzinfo=UTC)
    earlier = datetime(2026, 11, 28, 12, 0, 1, tzinfo=UTC)

    await _record(sessionmaker, [replace(_synced(item, 7), shopify_updated_at=later)])
    await _record(sessionmaker, [replace(_synced(item, 7), shopify_updated_at=earlier)])

    [product] = await local_products(sessionmaker)
    assert product.shopify_updated_at is not None
    assert as_utc(product.shopify_updated_at) == later


async def test_a_product_changed_in_flight_only_outside_the_push_is_synced_at_its_new_version(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Inventory (which pushes don't send) taken in while the push ran leaves nothing to push;
    a title edited meanwhile does."""
    ids = await seed(app, 2)
    items = await _items(sessionmaker, ids)
    inventory_only, retitled = items
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(ProductVariant)
            .where(ProductVariant.product_id == inventory_only.product_id)
            .values(inventory_quantity=41)
        )
        await session.execute(
            update(Product)
            .where(Product.id == retitled.product_id)
            .values(title="Edited while pushing")
        )
        await session.execute(
            update(Product).where(Product.id.in_(ids)).values(version=Product.version + 1)
        )
    await _record(sessionmaker, [_synced(inventory_only, 1), _synced(retitled, 2)])
    products = {p.id: p for p in await local_products(sessionmaker)}
    caught_up = products[inventory_only.product_id]
    assert caught_up.version == inventory_only.version + 1
    assert caught_up.synced_version == caught_up.version
    still_pending = products[retitled.product_id]
    assert still_pending.synced_version == retitled.version < still_pending.version
