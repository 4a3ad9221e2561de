"""#15 item 1: a variant's inventory item fields (tracked, policy, cost, country of origin, HS
code, weight value and unit) go both ways, exactly, and unknown ones are never sent.

A product made here is pushed and Shopify holds each field (8 oz stays 8 oz, 226.796185 g stays
226.796185 g); a product made in the store is pulled (bulk and pages) with each field kept as
Shopify holds it; a second push sends nothing; an API update that omits the fields keeps them.
Against the emulator over loopback HTTP.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.audit.service import Actor
from product_dashboard.models import AuditSource
from product_dashboard.product import service as product_service
from product_dashboard.product.schemas import ProductCreate, ProductUpdate, VariantIn
from product_dashboard.sync.pull.engine import PullParams
from product_dashboard.sync.push.modes import PushMode
from tests.sync.conftest import Emulator, push
from tests.sync.pull.conftest import PRODUCT_SET, Store, only_product, pull

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]

_READ = """
query Read($id: ID!) {
  product(id: $id) {
    variants(first: 10) {
      nodes {
        title
        inventoryPolicy
        inventoryItem {
          tracked
          countryCodeOfOrigin
          harmonizedSystemCode
          unitCost { amount }
          measurement { weight { value unit } }
        }
      }
    }
  }
}
"""
SOURCES = {
    "bulk": PullParams(kind="full"),
    "pages": PullParams(kind="incremental", since=datetime(2000, 1, 1, tzinfo=UTC), use_bulk=False),
}
# (size, tracked, policy, cost, country, hs code, weight value, unit)
SET = [
    ("S", False, "CONTINUE", "4.25", "PT", "711311", Decimal(8), "OUNCES"),
    ("M", True, "DENY", "5.10", "VN", "7113.11", Decimal("226.796185"), "GRAMS"),
]


async def _store_variants(store: Store, shopify_id: str) -> dict[str, dict[str, Any]]:
    response = await store.client.execute(_READ, {"id": shopify_id})
    return {v["title"]: v for v in response.data["product"]["variants"]["nodes"]}


def _held(variant: dict[str, Any]) -> tuple[Any, ...]:
    item = variant["inventoryItem"]
    weight = item["measurement"]["weight"]
    return (
        item["tracked"],
        variant["inventoryPolicy"],
        Decimal(item["unitCost"]["amount"]) if item["unitCost"] else None,
        item["countryCodeOfOrigin"],
        item["harmonizedSystemCode"],
        Decimal(str(weight["value"])).normalize(),
        weight["unit"],
    )


def _expected(row: tuple[Any, ...]) -> tuple[Any, ...]:
    _, tracked, policy, cost, country, hs_code, value, unit = row
    return (tracked, policy, Decimal(cost), country, hs_code, value, unit)


async def test_push_sends_each_known_field_exactly_and_nothing_unknown(
    sessions: Sessions, store: Store, emulator: Emulator
) -> None:
    async with sessions() as session, session.begin():
        await product_service.create(
            session,
            ProductCreate(
                title="Ring",
                options=[{"name": "Size", "values": ["S", "M", "L"]}],  # type: ignore[list-item]
                variants=[
                    *(
                        VariantIn(
                            price="10.00",
                            option_values=[size],
                            inventory_tracked=tracked,
                            inventory_policy=policy,
                            cost=cost,
                            country_of_origin=country,
                            hs_code=hs_code,
                            weight_value=value,
                            weight_unit=unit,
                        )
                        for size, tracked, policy, cost, country, hs_code, value, unit in SET
                    ),
                    VariantIn(price="10.00", option_values=["L"]),  # nothing known
                ],
            ),
            Actor(source=AuditSource.api),
        )
    first = await push(sessions, emulator, PushMode.sequential)
    assert (first.pushed, first.failed) == (1, 0), first.errors
    local = await only_product(sessions)
    assert local.shopify_product_id is not None
    held = await _store_variants(store, local.shopify_product_id)
    for row in SET:
        assert _held(held[row[0]]) == _expected(row)
    # Nothing was sent for L: Shopify keeps its own defaults, no False, 0 or "" from here.
    assert _held(held["L"]) == (True, "DENY", None, None, None, Decimal(0), "KILOGRAMS")
    variant_l = next(v for v in local.variants if v.option1 == "L")
    assert (variant_l.cost_cents, variant_l.weight_value, variant_l.country_of_origin) == (
        None,
        None,
        None,
    )

    calls = emulator.mutations()
    second = await push(sessions, emulator, PushMode.sequential)
    assert (second.pushed, second.failed) == (0, 0)
    assert emulator.mutations() == calls


@pytest.mark.parametrize("source", list(SOURCES))
async def test_pull_keeps_each_field_as_shopify_holds_it(
    sessions: Sessions, store: Store, emulator: Emulator, source: str
) -> None:
    created = await store.client.execute(
        PRODUCT_SET,
        {
            "input": {
                "title": "Ring",
                "productOptions": [{"name": "Size", "values": [{"name": s[0]} for s in SET]}],
                "variants": [
                    {
                        "optionValues": [{"optionName": "Size", "name": size}],
                        "price": "10.00",
                        "inventoryPolicy": policy,
                        "inventoryItem": {
                            "tracked": tracked,
                            "cost": cost,
                            "countryCodeOfOrigin": country,
                            "harmonizedSystemCode": hs_code,
                            "measurement": {"weight": {"value": float(value), "unit": unit}},
                        },
                    }
                    for size, tracked, policy, cost, country, hs_code, value, unit in SET
                ],
            }
        },
        idempotent=False,
    )
    assert created.data["productSet"]["userErrors"] == []
    shopify_id = created.data["productSet"]["product"]["id"]

    report = await pull(sessions, store, SOURCES[source])
    assert report.outcomes == {"created": 1}
    local = await only_product(sessions)
    by_size = {v.option1: v for v in local.variants}
    for size, tracked, policy, cost, country, hs_code, value, unit in SET:
        variant = by_size[size]
        assert (
            variant.inventory_tracked,
            variant.inventory_policy,
            variant.cost_cents,
            variant.country_of_origin,
            variant.hs_code,
            variant.weight_value,
            variant.weight_unit,
        ) == (tracked, policy, int(Decimal(cost) * 100), country, hs_code, value, unit)

    calls = emulator.mutations()
    nothing = await push(sessions, emulator, PushMode.sequential)
    assert (nothing.pushed, nothing.failed) == (0, 0)
    assert emulator.mutations() == calls

    # An API update that names only the price keeps every item field; the push sends the price.
    async with sessions() as session, session.begin():
        product = await product_service.get(session, local.id)
        await product_service.update(
            session,
            local.id,
            ProductUpdate(
                variants=[
                    VariantIn(
                        id=v.id,
                        price="12.00",
                        option_values=v.option_values,
                        inventory_quantity=v.inventory_quantity,
                        weight_grams=v.weight_grams,
                    )
                    for v in product.variants
                ]
            ),
            Actor(source=AuditSource.api),
        )
    edited = await push(sessions, emulator, PushMode.sequential)
    assert (edited.pushed, edited.failed) == (1, 0), edited.errors
    held = await _store_variants(store, shopify_id)
    for row in SET:
        assert _held(held[row[0]]) == _expected(row)


_CLEAR = """
mutation Clear($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {
  productVariantsBulkUpdate(productId: $productId, variants: $variants) {
    userErrors { field message }
  }
}
"""
_IDS = """
query Ids($id: ID!) {
  product(id: $id) { updatedAt variants(first: 10) { nodes { id title } } }
}
"""


@pytest.mark.parametrize("source", ["bulk", "pages"])
async def test_a_field_the_merchant_clears_in_shopify_is_cleared_here_and_stays_so(
    sessions: Sessions, store: Store, emulator: Emulator, source: str
) -> None:
    """Cost, HS code, country and weight (0: Shopify's none) cleared on one variant in Shopify's
    admin: the pull clears them here (it read them: Shopify has none), and the next push, of
    another edit, does not send the old values back. Was: kept here (the weight by its grams,
    kept beside a weight read as none), and pushed back over the merchant's clear."""
    await test_push_sends_each_known_field_exactly_and_nothing_unknown(sessions, store, emulator)
    await pull(sessions, store, PullParams(kind="full"))  # linked, every field read
    local = await only_product(sessions)
    shopify_id = local.shopify_product_id
    ids = await store.client.execute(_IDS, {"id": shopify_id})
    small = next(v["id"] for v in ids.data["product"]["variants"]["nodes"] if v["title"] == "S")
    cleared = await store.client.execute(
        _CLEAR,
        {
            "productId": shopify_id,
            "variants": [
                {
                    "id": small,
                    "inventoryItem": {
                        "cost": None,
                        "harmonizedSystemCode": None,
                        "countryCodeOfOrigin": None,
                        "measurement": {"weight": {"value": 0, "unit": "GRAMS"}},
                    },
                }
            ],
        },
        idempotent=False,
    )
    assert cleared.data["productVariantsBulkUpdate"]["userErrors"] == []
    before = _held((await _store_variants(store, shopify_id))["S"])
    assert before[2:5] == (None, None, None)

    params = (
        PullParams(kind="incremental", use_bulk=True)
        if source == "bulk"
        else PullParams(kind="incremental", use_bulk=False)
    )
    report = await pull(sessions, store, params)
    assert report.outcomes == {"merged": 1}, report.outcomes
    by_size = {v.option1: v for v in (await only_product(sessions)).variants}
    small_here = by_size["S"]
    assert (small_here.cost_cents, small_here.hs_code, small_here.country_of_origin) == (
        None,
        None,
        None,
    )
    assert (small_here.weight_value, small_here.weight_unit) == (None, None)
    assert by_size["M"].cost_cents == 510  # the other variant's are untouched

    async with sessions() as session, session.begin():
        await product_service.update(
            session, local.id, ProductUpdate(title="Ring, renamed here"), Actor(AuditSource.api)
        )
    renamed = await push(sessions, emulator, PushMode.sequential)
    assert (renamed.pushed, renamed.failed) == (1, 0), renamed.errors
    after = await _store_variants(store, shopify_id)
    assert _held(after["S"])[2:5] == (None, None, None)
    assert after["S"]["inventoryItem"]["measurement"]["weight"]["value"] == 0
    assert _held(after["M"]) == _expected(SET[1])
