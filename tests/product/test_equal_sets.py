"""An edit that gives a product's rows what they already hold leaves those rows out of the
flush (`kit.assign`): only the rows whose values change are dirty, and a row given a new value
is written as before."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from product_dashboard.audit.service import Actor
from product_dashboard.db import create_sessionmaker
from product_dashboard.kit.assign import assign
from product_dashboard.models import AuditSource, ProductOption, ProductTag, ProductVariant
from product_dashboard.product import service as product_service
from product_dashboard.product.schemas import OptionIn, ProductCreate, ProductUpdate, VariantIn

pytestmark = pytest.mark.postgres

USER = Actor(source=AuditSource.ui)


def _variants(small_price: str) -> list[VariantIn]:
    return [
        VariantIn(option_values=["S"], sku="T-S", price=small_price, inventory_quantity=3),
        VariantIn(option_values=["M"], sku="T-M", price="12.00", inventory_quantity=4),
    ]


async def test_rows_given_what_they_hold_are_not_dirty(engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(engine)
    options = [OptionIn(name="Size", values=["S", "M"])]
    async with sessions() as session, session.begin():
        product_id = await product_service.create(
            session,
            ProductCreate(
                title="Tee", tags=["a", "b"], options=options, variants=_variants("10.00")
            ),
            USER,
        )

    async with sessions() as session, session.begin():
        product = await product_service.get(session, product_id)
        update = ProductUpdate(
            title="Tee", tags=["a", "b"], options=options, variants=_variants("11.00")
        )
        await product_service.update(session, product_id, update, USER, loaded=product)
        small, medium = product.variants
        dirty = session.dirty
        assert small in dirty  # its price changed
        assert medium not in dirty
        assert not any(isinstance(row, ProductOption | ProductTag) for row in dirty)

    async with sessions() as session:
        prices = await session.scalars(
            select(ProductVariant.price_cents)
            .where(ProductVariant.product_id == product_id)
            .order_by(ProductVariant.position)
        )
        assert list(prices) == [1100, 1200]


def test_assign_sets_what_differs_in_value_or_type_and_what_is_not_loaded() -> None:
    variant = ProductVariant(sku="A")  # a new row: its attributes are set, never compared
    assign(variant, "taxable", None)
    assert "taxable" in variant.__dict__
    assign(variant, "sku", "A")
    assign(variant, "price_cents", 1)
    assign(variant, "price_cents", True)  # equal to 1, not the same value
    assert variant.price_cents is True
