"""The push engine against the emulator over loopback HTTP: modes, delta skip, deletes, errors."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.kit.time import utcnow
from product_dashboard.models import Product
from product_dashboard.sync.push.modes import PushMode
from product_dashboard.sync.push.planner import PushScope
from tests.sync.conftest import (
    Emulator,
    bump_versions,
    dialect_of,
    local_products,
    make_client,
    push,
    seed,
    unlinked_variants,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.mark.parametrize("mode", [m for m in PushMode if m != PushMode.auto])
async def test_each_mode_pushes_every_product_once_and_records_ids(
    app: FastAPI,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    mode: PushMode,
) -> None:
    await seed(app, 25)
    sent: list[bytes] = []  # the productSet requests, a resend after a failure included

    async def note(request: httpx.Request) -> None:
        if request.url.path.endswith("graphql.json") and b"productSet(" in request.content:
            sent.append(request.content)

    async with httpx.AsyncClient(event_hooks={"request": [note]}) as http:
        client = make_client(emulator, http=http)
        report = await push(sessionmaker, emulator, mode, client=client, dialect=dialect_of(app))

    assert (report.mode, report.pushed, report.failed, report.skipped) == (mode.value, 25, 0, 0)
    remote = emulator.products()
    assert len(remote) == 25
    products = await local_products(sessionmaker)
    by_handle = {p["handle"]: p for p in remote}
    for product in products:
        assert product.synced_version == product.version
        assert product.sync_error is None
        assert by_handle[product.handle]["id"] == product.shopify_product_id
        assert by_handle[product.handle]["title"] == product.title
        assert product.synced_snapshot is not None and product.synced_hash
    assert await unlinked_variants(sessionmaker) == 0
    if mode == PushMode.sequential:
        # One productSet per request, and nothing else but the quantities' own requests.
        # (Counted by request: `retries` also holds the quantities' resends on a loaded machine.)
        assert len(set(sent)) == 25 and all(body.count(b"productSet(") == 1 for body in sent)
        assert report.inventory is not None
        assert report.api_calls - report.inventory["api_calls"] == len(sent)
    if mode == PushMode.batch:
        assert report.api_calls < 25

    again = await push(sessionmaker, emulator, mode, dialect=dialect_of(app))
    assert (again.total, again.pushed, again.api_calls) == (0, 0, 0)


async def test_no_op_edits_cost_nothing_and_real_edits_are_pushed(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    ids = await seed(app, 12)
    await push(sessionmaker, emulator, PushMode.batch, dialect=dialect_of(app))
    mutations_before = emulator.stats()["mutations"]

    await bump_versions(sessionmaker, ids[:6])  # touched, content unchanged
    await bump_versions(sessionmaker, ids[6:8], title="Renamed product")
    report = await push(sessionmaker, emulator, PushMode.batch, dialect=dialect_of(app))

    assert (report.total, report.skipped, report.pushed) == (8, 6, 2)
    assert emulator.stats()["mutations"] - mutations_before == 1  # one batched request
    titles = {p["title"] for p in emulator.products()}
    assert "Renamed product" in titles
    for product in await local_products(sessionmaker):
        assert product.synced_version == product.version


async def test_tombstones_become_product_deletes_and_are_removed(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    ids = await seed(app, 6)
    await push(sessionmaker, emulator, PushMode.parallel, dialect=dialect_of(app))
    gone = ids[:2]
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Product)
            .where(Product.id.in_(gone))
            .values(
                deleted_at=utcnow(),
                version=Product.version + 1,
                handle=Product.handle
                + "--deleted-"
                + Product.id.cast(__import__("sqlalchemy").String),
            )
        )
    report = await push(sessionmaker, emulator, PushMode.batch, dialect=dialect_of(app))

    assert (report.deleted, report.failed) == (2, 0)
    assert len(emulator.products()) == 4
    assert {p.id for p in await local_products(sessionmaker)} == set(ids[2:])


async def test_a_refused_product_fails_alone_with_shopifys_message(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    ids = await seed(app, 8)
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Product)
            .where(Product.id == ids[3])
            .values(category_id="gid://shopify/TaxonomyCategory/not-a-category")
        )
    report = await push(sessionmaker, emulator, PushMode.batch, dialect=dialect_of(app))

    assert (report.pushed, report.failed) == (7, 1)
    assert report.errors[0]["product_id"] == ids[3]
    products = {p.id: p for p in await local_products(sessionmaker)}
    bad = products[ids[3]]
    assert bad.sync_error is not None and "category" in bad.sync_error.lower()
    assert bad.shopify_product_id is None and bad.synced_version is None
    assert len(emulator.products()) == 7


async def test_selection_by_ids_and_by_filter(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    ids = await seed(app, 10)
    report = await push(
        sessionmaker,
        emulator,
        PushMode.parallel,
        PushScope(product_ids=tuple(ids[:3])),
        dialect=dialect_of(app),
    )
    assert report.pushed == 3 and len(emulator.products()) == 3
    products = await local_products(sessionmaker)
    vendor = next(p.vendor for p in products if p.id not in ids[:3])
    expected = {p.id for p in products if p.vendor == vendor and p.id not in ids[:3]}
    report = await push(
        sessionmaker,
        emulator,
        PushMode.batch,
        PushScope(filter={"vendor": vendor}),
        dialect=dialect_of(app),
    )
    assert report.pushed == len(expected)
