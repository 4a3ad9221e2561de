"""A variant's unit price measurement (2026-10 `unitPriceMeasurement`) goes both ways, and one
never read here is never sent.

Set here, the push sends it and Shopify holds it; made in the store, a pull (bulk and pages)
keeps it and a push of other edits leaves it; a row that never read it (NULL, as every row
pulled before migration 0031) sends no null that would clear Shopify's; a measurement the
merchant changes in the store comes in with the next pull beside a local edit, and goes back
out unchanged. Against the emulator over loopback HTTP, on each database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.audit.service import Actor
from product_dashboard.kit.unit_price import UnitPriceMeasure
from product_dashboard.models import AuditSource, ProductVariant
from product_dashboard.product import service as product_service
from product_dashboard.product.schemas import ProductCreate, ProductUpdate, VariantIn
from product_dashboard.sync.pull.engine import PullParams
from product_dashboard.sync.push.modes import PushMode
from tests.sync.conftest import Emulator, push
from tests.sync.pull.conftest import Store, only_product, pull

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Sessions = async_sessionmaker[AsyncSession]

_CREATE = """
mutation Create($input: ProductSetInput!) {
  productSet(input: $input, synchronous: true) {
    product { id variants(first: 5) { nodes { id title } } }
    userErrors { field message code }
  }
}
"""
_READ = """
query Read($id: ID!) {
  product(id: $id) {
    variants(first: 10) {
      nodes {
        title
        price
        unitPriceMeasurement { quantityValue quantityUnit referenceValue referenceUnit }
      }
    }
  }
}
"""
SOURCES = {
    "bulk": PullParams(kind="full"),
    "pages": PullParams(kind="incremental", since=datetime(2000, 1, 1, tzinfo=UTC)),
}
PER_100_ML = UnitPriceMeasure(Decimal(750), "ML", 100, "ML")
PER_LITRE = UnitPriceMeasure(Decimal("0.75"), "L", 1, "L")


async def _held(store: Store, shopify_id: str) -> dict[str, UnitPriceMeasure | None]:
    """What Shopify holds, per variant title."""
    response = await store.client.execute(_READ, {"id": shopify_id})
    return {
        v["title"]: UnitPriceMeasure.of_shopify(v["unitPriceMeasurement"])
        for v in response.data["product"]["variants"]["nodes"]
    }


async def _reprice(sessions: Sessions, product_id: int, price: str) -> None:
    """An API edit of the price alone (the measurement not named: kept)."""
    async with sessions() as session, session.begin():
        product = await product_service.get(session, product_id)
        await product_service.update(
            session,
            product_id,
            ProductUpdate(
                variants=[
                    VariantIn(
                        id=v.id,
                        price=price,
                        option_values=v.option_values,
                        inventory_quantity=v.inventory_quantity,
                    )
                    for v in product.variants
                ]
            ),
            Actor(source=AuditSource.api),
        )


async def _made_in_store(store: Store) -> str:
    created = await store.client.execute(
        _CREATE,
        {
            "input": {
                "title": "Olive oil",
                "productOptions": [
                    {"name": "Size", "values": [{"name": "750 ml"}, {"name": "Gift"}]}
                ],
                "variants": [
                    {
                        "optionValues": [{"optionName": "Size", "name": "750 ml"}],
                        "price": "9.90",
                        "unitPriceMeasurement": PER_100_ML.to_shopify(),
                    },
                    {"optionValues": [{"optionName": "Size", "name": "Gift"}], "price": "20.00"},
                ],
            }
        },
        idempotent=False,
    )
    assert created.data["productSet"]["userErrors"] == []
    shopify_id: str = created.data["productSet"]["product"]["id"]
    return shopify_id


async def test_set_here_the_push_sends_it_and_nothing_for_a_variant_without(
    sessions: Sessions, store: Store, emulator: Emulator
) -> None:
    async with sessions() as session, session.begin():
        await product_service.create(
            session,
            ProductCreate(
                title="Olive oil",
                options=[{"name": "Size", "values": ["750 ml", "Gift"]}],  # type: ignore[list-item]
                variants=[
                    VariantIn(
                        price="9.90",
                        option_values=["750 ml"],
                        unit_price_measurement="750 ml / 100 ml",  # type: ignore[arg-type]
                    ),
                    VariantIn(price="20.00", option_values=["Gift"]),
                ],
            ),
            Actor(source=AuditSource.api),
        )
    first = await push(sessions, emulator, PushMode.sequential)
    assert (first.pushed, first.failed) == (1, 0), first.errors
    local = await only_product(sessions)
    assert local.shopify_product_id is not None
    assert await _held(store, local.shopify_product_id) == {"750 ml": PER_100_ML, "Gift": None}

    calls = emulator.mutations()
    second = await push(sessions, emulator, PushMode.sequential)
    assert (second.pushed, second.failed) == (0, 0)
    assert emulator.mutations() == calls


@pytest.mark.parametrize("source", list(SOURCES))
async def test_pulled_it_is_kept_and_a_push_of_other_edits_leaves_it(
    sessions: Sessions, store: Store, emulator: Emulator, source: str
) -> None:
    shopify_id = await _made_in_store(store)

    report = await pull(sessions, store, SOURCES[source])
    assert report.outcomes == {"created": 1}
    local = await only_product(sessions)
    by_size = {v.option1: v.unit_price_measurement for v in local.variants}
    assert by_size == {"750 ml": PER_100_ML, "Gift": None}

    calls = emulator.mutations()
    nothing = await push(sessions, emulator, PushMode.sequential)
    assert (nothing.pushed, nothing.failed) == (0, 0)
    assert emulator.mutations() == calls

    await _reprice(sessions, local.id, "11.00")
    edited = await push(sessions, emulator, PushMode.sequential)
    assert (edited.pushed, edited.failed) == (1, 0), edited.errors
    assert await _held(store, shopify_id) == {"750 ml": PER_100_ML, "Gift": None}


async def test_a_row_that_never_read_it_sends_no_null_that_would_clear_it(
    sessions: Sessions, store: Store, emulator: Emulator
) -> None:
    shopify_id = await _made_in_store(store)
    await pull(sessions, store, SOURCES["bulk"])
    local = await only_product(sessions)
    async with sessions() as session, session.begin():  # as pulled before migration 0031
        await session.execute(
            update(ProductVariant).values(
                unit_price_quantity_value=None,
                unit_price_quantity_unit=None,
                unit_price_reference_value=None,
                unit_price_reference_unit=None,
            )
        )

    await _reprice(sessions, local.id, "12.00")
    edited = await push(sessions, emulator, PushMode.sequential)
    assert (edited.pushed, edited.failed) == (1, 0), edited.errors
    held = await _held(store, shopify_id)
    assert held == {"750 ml": PER_100_ML, "Gift": None}


async def test_a_merchants_change_comes_in_beside_a_local_edit_and_goes_back_out(
    sessions: Sessions, store: Store, emulator: Emulator
) -> None:
    shopify_id = await _made_in_store(store)
    await pull(sessions, store, SOURCES["bulk"])
    local = await only_product(sessions)
    oil = next(v for v in local.variants if v.option1 == "750 ml")
    await store.edit(
        shopify_id,
        variants=[{"id": oil.shopify_variant_id, "unitPriceMeasurement": PER_LITRE.to_shopify()}],
    )
    await _reprice(sessions, local.id, "13.00")  # a local edit waiting to be pushed

    report = await pull(sessions, store, SOURCES["pages"])
    assert report.outcomes == {"merged": 1}
    merged = await only_product(sessions)
    assert {v.option1: v.unit_price_measurement for v in merged.variants} == {
        "750 ml": PER_LITRE,
        "Gift": None,
    }
    assert {v.price_cents for v in merged.variants} == {1300}  # the local edit stays
    pushed = await push(sessions, emulator, PushMode.sequential)
    assert (pushed.pushed, pushed.failed) == (1, 0), pushed.errors
    held: dict[str, Any] = await _held(store, shopify_id)
    assert held == {"750 ml": PER_LITRE, "Gift": None}
