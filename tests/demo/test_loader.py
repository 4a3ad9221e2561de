from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from product_dashboard.demo import seed_demo_catalog
from product_dashboard.models import Product, ProductOption, ProductTag, ProductVariant
from product_dashboard.product.search_index import search_condition

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


async def _count(engine: AsyncEngine, model: type) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(model)) or 0)


async def test_seed_inserts_what_it_reports(engine: AsyncEngine) -> None:
    progress: list[int] = []
    report = await seed_demo_catalog(
        engine, 120, seed=11, chunk_size=50, on_progress=progress.append
    )
    assert progress == [50, 100, 120]
    assert report.products == await _count(engine, Product) == 120
    assert report.variants == await _count(engine, ProductVariant)
    assert report.options == await _count(engine, ProductOption)
    assert report.tags == await _count(engine, ProductTag)
    assert report.variants >= report.products
    async with engine.connect() as connection:
        statuses = set(await connection.scalars(select(Product.status).distinct()))
        min_price = await connection.scalar(select(func.min(ProductVariant.price_cents)))
    assert statuses <= {"active", "draft", "archived"} and "active" in statuses
    assert min_price is not None and min_price > 0


async def test_loaded_rows_read_back_through_the_orm(engine: AsyncEngine) -> None:
    await seed_demo_catalog(engine, 10, seed=1)
    async with AsyncSession(engine) as session:
        product = await session.get(Product, 1)
        assert product is not None
        options = (
            await session.scalars(select(ProductOption).where(ProductOption.product_id == 1))
        ).all()
        assert options and all(isinstance(o.values, list) and o.values for o in options)
        assert product.created_at <= product.updated_at
        assert product.version == 1 and product.synced_version is None


async def test_seeding_twice_adds_more_without_clashes(engine: AsyncEngine) -> None:
    await seed_demo_catalog(engine, 40, seed=5)
    second = await seed_demo_catalog(engine, 40, seed=5)
    assert second.first_product_id == 41
    assert await _count(engine, Product) == 80
    async with engine.connect() as connection:
        handles = list(await connection.scalars(select(Product.handle)))
        skus = list(await connection.scalars(select(ProductVariant.sku)))
    assert len(set(handles)) == 80
    assert len(set(skus)) == len(skus)


async def test_search_index_covers_seeded_and_later_products(engine: AsyncEngine) -> None:
    await seed_demo_catalog(engine, 30, seed=9)
    async with AsyncSession(engine) as session:
        sku = await session.scalar(
            select(ProductVariant.sku).where(ProductVariant.product_id == 17)
        )
        assert sku is not None
        condition = search_condition(sku, engine.dialect.name)
        assert condition is not None
        found = (await session.scalars(select(Product.id).where(condition))).all()
        assert found == [17]

        # A product added normally afterwards gets a fresh id and is indexed as usual.
        session.add(
            Product(title="Zebra Striped Umbrella", handle="zebra", search_text="zebra striped")
        )
        await session.commit()
        later = await session.scalar(select(Product.id).where(Product.handle == "zebra"))
        assert later == 31
        zebra = search_condition("striped", engine.dialect.name)
        assert zebra is not None
        assert (await session.scalars(select(Product.id).where(zebra))).all() == [31]


async def test_planner_statistics_are_fresh_after_seeding(engine: AsyncEngine) -> None:
    await seed_demo_catalog(engine, 60, seed=4)
    async with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            stats = await connection.scalar(
                text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'product'")
            )
            assert stats and stats > 0
        else:
            rows = await connection.scalar(
                text("SELECT reltuples FROM pg_class WHERE relname = 'product'")
            )
            assert rows == 60


async def test_zero_products_is_a_no_op(engine: AsyncEngine) -> None:
    report = await seed_demo_catalog(engine, 0)
    assert report.products == 0
    assert await _count(engine, Product) == 0
