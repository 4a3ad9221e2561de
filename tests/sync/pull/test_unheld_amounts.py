"""An amount finer than a cent from Shopify (a price in a currency of three decimals, KWD 12.345,
or a cost of 0.125) fails that product with its reason: it is never rounded into the catalog,
where the next push would send the rounded amount back to Shopify."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.db import committing, create_sessionmaker
from product_dashboard.models import Product, ProductVariant
from product_dashboard.sync.pull.apply import apply_chunk
from product_dashboard.sync.pull.engine import PullParams
from product_dashboard.sync.pull.source import remote_from_node
from tests.sync.pull.conftest import Store, local_products, pull

pytestmark = pytest.mark.postgres


def _node(n: int, price: str, cost: str = "4.00", updated: str = "2026-12-01T12:00:00Z") -> Any:
    return {
        "id": f"gid://shopify/Product/{n}",
        "handle": f"dates-{n}",
        "title": f"Dates {n}",
        "descriptionHtml": "",
        "vendor": "Souq",
        "productType": "",
        "status": "ACTIVE",
        "tags": [],
        "updatedAt": updated,
        "options": [{"name": "Title", "optionValues": [{"name": "Default Title"}]}],
        "variants": {
            "nodes": [
                {
                    "id": f"gid://shopify/ProductVariant/{n}",
                    "sku": f"D-{n}",
                    "price": price,
                    "selectedOptions": [{"name": "Title", "value": "Default Title"}],
                    "inventoryItem": {"unitCost": {"amount": cost, "currencyCode": "KWD"}},
                }
            ]
        },
    }


async def _prices(engine: AsyncEngine) -> dict[str, tuple[int, int | None]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(Product.handle, ProductVariant.price_cents, ProductVariant.cost_cents).join(
                ProductVariant, ProductVariant.product_id == Product.id
            )
        )
        return {handle: (price, cost) for handle, price, cost in rows}


async def test_an_amount_finer_than_a_cent_fails_its_product_and_is_never_rounded(
    engine: AsyncEngine,
) -> None:
    sessions = committing(create_sessionmaker(engine))
    events = ConflictEvents(None)
    first = [_node(1, "12.340"), _node(2, "12.345"), _node(3, "5.00", cost="0.125")]
    result = await apply_chunk(sessions, [remote_from_node(n) for n in first], events)
    assert result.outcomes == {"created": 1, "error": 2}
    assert {e["handle"]: e["error"] for e in result.errors} == {
        "dates-2": "not applied: the amount '12.345' must have at most 2 decimal places; "
        "the catalog keeps amounts in cents and does not round Shopify's",
        "dates-3": "not applied: the amount '0.125' must have at most 2 decimal places; "
        "the catalog keeps amounts in cents and does not round Shopify's",
    }
    assert await _prices(engine) == {"dates-1": (1234, 400)}

    # A product already here, changed in Shopify to a finer price: it keeps what it had.
    later = "2026-12-02T12:00:00Z"
    result = await apply_chunk(
        sessions, [remote_from_node(_node(1, "9.995", updated=later))], events
    )
    assert result.outcomes == {"error": 1}
    assert await _prices(engine) == {"dates-1": (1234, 400)}


async def test_a_store_in_kuwaiti_dinars_pulls_whole_fils_and_refuses_finer_prices(
    store: Store, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Against the emulator as a KWD store (three decimals on the wire, as Shopify's): a price of
    12.340 comes in as 12.34, one of 12.345 fails its product, in a bulk full pull and after."""
    await store.knob("config", {"currency_code": "KWD"})
    even, fine = await store.seed(2)
    await store.edit(even, price="12.340")
    await store.edit(fine, price="12.345")

    report = await pull(sessions, store, PullParams(kind="full"))
    assert report.outcomes["created"] == 1 and report.outcomes["error"] == 1, report.outcomes
    [error] = report.errors
    assert error["shopify_id"] == fine
    assert "'12.345' must have at most 2 decimal places" in error["error"]
    [product] = await local_products(sessions)
    assert product.shopify_product_id == even
    assert {v.price_cents for v in product.variants} == {1234}

    await store.edit(fine, price="12.350")  # now a whole number of cents: it comes in
    report = await pull(sessions, store, PullParams(kind="full"))
    assert report.outcomes["created"] == 1 and not report.errors, report.outcomes
