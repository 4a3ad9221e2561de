"""Products changed together (`ProductWrites`): one version compare-and-set for all, so a change
someone else made meanwhile is never written over (PostgreSQL: a locking compare, the bumped
version written with the products' other changes; SQLite: an UPDATE of the versions)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from product_dashboard.audit.service import Actor
from product_dashboard.db import create_sessionmaker
from product_dashboard.exceptions import Conflict
from product_dashboard.models import AuditEvent, AuditSource, Product
from product_dashboard.product import service as product_service
from product_dashboard.product.schemas import ProductCreate, ProductUpdate
from product_dashboard.product.service import ProductWrites

pytestmark = pytest.mark.postgres

USER = Actor(source=AuditSource.ui)


async def _change_together(
    engine: AsyncEngine, ids: list[int], vendor: str, meanwhile: bool
) -> None:
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        products = [await product_service.get(session, product_id) for product_id in ids]
        if meanwhile:
            async with sessions() as other, other.begin():
                update = ProductUpdate(title="Changed meanwhile")
                await product_service.update(other, ids[1], update, USER)
        writes = ProductWrites()
        for product in products:
            await product_service.update(
                session,
                product.id,
                ProductUpdate(vendor=vendor),
                USER,
                loaded=product,
                later=writes,
            )
        try:
            await writes.write(session)
            await session.flush()
        except Conflict:
            await session.rollback()
            raise
        await session.commit()


async def test_a_change_made_meanwhile_fails_them_all_and_none_is_written(
    engine: AsyncEngine,
) -> None:
    sessions = create_sessionmaker(engine)
    async with sessions() as session, session.begin():
        ids = [
            await product_service.create(session, ProductCreate(title=title), USER)
            for title in ("First", "Second")
        ]

    with pytest.raises(Conflict):
        await _change_together(engine, ids, "Together", meanwhile=True)
    await _change_together(engine, ids, "Again", meanwhile=False)

    async with sessions() as session:
        rows = await session.execute(
            select(Product.title, Product.vendor, Product.version).order_by(Product.id)
        )
        audited = await session.scalars(
            select(AuditEvent.after).where(AuditEvent.action == "update").order_by(AuditEvent.id)
        )
        assert [tuple(row) for row in rows] == [
            ("First", "Again", 2),
            ("Changed meanwhile", "Again", 3),
        ]
        assert [after for after in audited] == [
            {"title": "Changed meanwhile"},
            {"vendor": "Again"},
            {"vendor": "Again"},
        ]


async def test_one_product_changed_meanwhile_says_its_current_version(engine: AsyncEngine) -> None:
    """The 409 of a change lost to another writer's says the version to reload, as a stale
    version's does."""
    sessions = create_sessionmaker(engine)
    async with sessions() as session, session.begin():
        product_id = await product_service.create(session, ProductCreate(title="One"), USER)
    async with sessions() as session:
        product = await product_service.get(session, product_id)
        loaded = product.version
        async with sessions() as other, other.begin():
            await product_service.update(other, product_id, ProductUpdate(title="Meanwhile"), USER)
        with pytest.raises(Conflict) as raised:
            await product_service.bump_version(session, product)
        await session.rollback()
    assert raised.value.to_body()["current_version"] == loaded + 1
