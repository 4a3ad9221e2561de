"""The last settable fields of a product go both ways, and one never read here is never sent:
the gift card template and selling plan only (product), the unit price display and bundle
components (variant), the province of origin and the per-country HS codes (inventory item); the
combined listing role is read and shown, never sent. A handle changed here asks Shopify to
redirect the old URL.

Made in the store, a pull (bulk and pages; an item with more codes than a page asks for read
again whole) keeps them and a push of other edits leaves them; set here, the push sends them; a
row that never read them (NULL, as every row pulled before migration 0036) sends none of them;
a merchant's change of a field also edited here is a conflict. Against the emulator over
loopback HTTP, on each database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.audit.service import Actor
from product_dashboard.kit.hs_codes import CountryHsCodes
from product_dashboard.models import AuditSource, Product, ProductConflict, ProductVariant
from product_dashboard.product import service as product_service
from product_dashboard.product.schemas import ProductCreate, ProductUpdate, VariantIn
from product_dashboard.sync.pull.engine import PullParams
from product_dashboard.sync.push.engine import PushConfig
from product_dashboard.sync.push.modes import PushMode
from tests.sync.conftest import Emulator, push
from tests.sync.pull.conftest import Store, only_product, pull

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Sessions = async_sessionmaker[AsyncSession]

_CREATE = """
mutation Create($input: ProductSetInput!) {
  productSet(input: $input, synchronous: true) {
    product { id handle }
    userErrors { field message code }
  }
}
"""
_READ = """
query Read($id: ID!) {
  product(id: $id) {
    handle giftCardTemplateSuffix requiresSellingPlan combinedListingRole
    variants(first: 10) {
      nodes {
        title showUnitPrice requiresComponents
        inventoryItem {
          provinceCodeOfOrigin
          countryHarmonizedSystemCodes(first: 10) { nodes { countryCode harmonizedSystemCode } }
        }
      }
    }
  }
}
"""
_REDIRECTS = "{ urlRedirects(first: 10) { nodes { path target } } }"
SOURCES = {
    "bulk": PullParams(kind="full"),
    "pages": PullParams(kind="incremental", since=datetime(2000, 1, 1, tzinfo=UTC)),
}
# Three codes: more than a products page asks for (one), so the pages pull reads them again.
CODES = CountryHsCodes.of([("US", "0901.21.0000"), ("CA", "090121.00"), ("MX", "09012101")])
CLUB = "Café club ☕"


async def _held(store: Store, shopify_id: str) -> dict[str, Any]:
    response = await store.client.execute(_READ, {"id": shopify_id})
    product: dict[str, Any] = response.data["product"]
    return product


def _variant_held(product: dict[str, Any], title: str) -> dict[str, Any]:
    [variant] = [v for v in product["variants"]["nodes"] if v["title"] == title]
    item = variant["inventoryItem"]
    codes = item["countryHarmonizedSystemCodes"]["nodes"]
    return {
        "show_unit_price": variant["showUnitPrice"],
        "requires_components": variant["requiresComponents"],
        "province_code_of_origin": item["provinceCodeOfOrigin"],
        "country_hs_codes": CountryHsCodes.of(
            (c["countryCode"], c["harmonizedSystemCode"]) for c in codes
        ),
    }


def _variant_local(product: Product, size: str) -> dict[str, Any]:
    [variant] = [v for v in product.variants if v.option1 == size]
    return {
        "show_unit_price": variant.show_unit_price,
        "requires_components": variant.requires_components,
        "province_code_of_origin": variant.province_code_of_origin,
        "country_hs_codes": variant.country_hs_codes,
    }


async def _update(sessions: Sessions, product_id: int, **fields: Any) -> None:
    async with sessions() as session, session.begin():
        await product_service.update(
            session, product_id, ProductUpdate(**fields), Actor(source=AuditSource.api)
        )


async def _reprice(sessions: Sessions, product_id: int, price: str, **variant: Any) -> None:
    """An API edit of the price (and `variant`'s fields) alone: the others not named, kept."""
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
                        **variant,
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
                "title": CLUB,
                "handle": "café-club",
                "giftCardTemplateSuffix": "festive",
                "requiresSellingPlan": True,
                "combinedListingRole": "PARENT",
                "productOptions": [{"name": "Size", "values": [{"name": "250 g"}]}],
                "variants": [
                    {
                        "optionValues": [{"optionName": "Size", "name": "250 g"}],
                        "price": "12.00",
                        "showUnitPrice": True,
                        "requiresComponents": True,
                        "inventoryItem": {
                            "provinceCodeOfOrigin": "QC",
                            "countryHarmonizedSystemCodes": CODES.to_shopify(),
                        },
                    }
                ],
            }
        },
        idempotent=False,
    )
    assert created.data["productSet"]["userErrors"] == []
    shopify_id: str = created.data["productSet"]["product"]["id"]
    return shopify_id


_READ_IN_STORE = {
    "show_unit_price": True,
    "requires_components": True,
    "province_code_of_origin": "QC",
    "country_hs_codes": CODES,
}


@pytest.mark.parametrize("source", list(SOURCES))
async def test_pulled_they_are_kept_and_a_push_of_other_edits_leaves_them(
    sessions: Sessions, store: Store, emulator: Emulator, source: str
) -> None:
    shopify_id = await _made_in_store(store)

    report = await pull(sessions, store, SOURCES[source])
    assert report.outcomes == {"created": 1}
    local = await only_product(sessions)
    assert (
        local.gift_card_template_suffix,
        local.requires_selling_plan,
        local.combined_listing_role,
    ) == ("festive", True, "PARENT")
    assert _variant_local(local, "250 g") == _READ_IN_STORE

    calls = emulator.mutations()
    nothing = await push(sessions, emulator, PushMode.sequential)
    assert (nothing.pushed, nothing.failed) == (0, 0)  # an echo: nothing to send back
    assert emulator.mutations() == calls

    await _reprice(sessions, local.id, "13.00")
    edited = await push(sessions, emulator, PushMode.sequential)
    assert (edited.pushed, edited.failed) == (1, 0), edited.errors
    held = await _held(store, shopify_id)
    assert (held["giftCardTemplateSuffix"], held["requiresSellingPlan"]) == ("festive", True)
    assert held["combinedListingRole"] == "PARENT"
    assert _variant_held(held, "250 g") == _READ_IN_STORE


async def test_set_here_the_push_sends_them_and_shopify_holds_them(
    sessions: Sessions, store: Store, emulator: Emulator
) -> None:
    async with sessions() as session, session.begin():
        await product_service.create(
            session,
            ProductCreate(
                title=CLUB,
                gift_card_template_suffix="festive",
                requires_selling_plan=True,
                options=[{"name": "Size", "values": ["250 g", "1 kg"]}],  # type: ignore[list-item]
                variants=[
                    VariantIn(
                        price="12.00",
                        option_values=["250 g"],
                        show_unit_price=True,
                        requires_components=False,
                        province_code_of_origin="QC",
                        country_hs_codes=CODES.to_api(),  # type: ignore[arg-type]
                    ),
                    VariantIn(price="40.00", option_values=["1 kg"]),
                ],
            ),
            Actor(source=AuditSource.api),
        )
    first = await push(sessions, emulator, PushMode.sequential)
    assert (first.pushed, first.failed) == (1, 0), first.errors
    local = await only_product(sessions)
    assert local.shopify_product_id is not None
    held = await _held(store, local.shopify_product_id)
    assert (held["giftCardTemplateSuffix"], held["requiresSellingPlan"]) == ("festive", True)
    assert _variant_held(held, "250 g") == {**_READ_IN_STORE, "requires_components": False}
    # Not set here: Shopify's defaults, none sent as a clear.
    assert _variant_held(held, "1 kg") == {
        "show_unit_price": False,
        "requires_components": False,
        "province_code_of_origin": None,
        "country_hs_codes": CountryHsCodes(()),
    }

    await _reprice(sessions, local.id, "12.00", country_hs_codes=[], show_unit_price=False)
    cleared = await push(sessions, emulator, PushMode.sequential)
    assert (cleared.pushed, cleared.failed) == (1, 0), cleared.errors
    held = await _held(store, local.shopify_product_id)
    assert _variant_held(held, "250 g")["country_hs_codes"] == CountryHsCodes(())
    assert _variant_held(held, "250 g")["show_unit_price"] is False


async def test_a_row_that_never_read_them_sends_none_that_would_change_shopifys(
    sessions: Sessions, store: Store, emulator: Emulator
) -> None:
    shopify_id = await _made_in_store(store)
    await pull(sessions, store, SOURCES["bulk"])
    local = await only_product(sessions)
    async with sessions() as session, session.begin():  # as pulled before migration 0036
        await session.execute(
            update(Product).values(
                gift_card_template_suffix=None,
                requires_selling_plan=None,
                combined_listing_role=None,
            )
        )
        await session.execute(
            update(ProductVariant).values(
                show_unit_price=None,
                requires_components=None,
                province_code_of_origin=None,
                country_hs_codes_text=None,
            )
        )

    await _reprice(sessions, local.id, "14.00")
    edited = await push(sessions, emulator, PushMode.sequential)
    assert (edited.pushed, edited.failed) == (1, 0), edited.errors
    held = await _held(store, shopify_id)
    assert (held["giftCardTemplateSuffix"], held["requiresSellingPlan"]) == ("festive", True)
    assert _variant_held(held, "250 g") == _READ_IN_STORE


async def test_a_merchants_change_of_a_field_edited_here_too_is_a_conflict(
    sessions: Sessions, store: Store
) -> None:
    shopify_id = await _made_in_store(store)
    await pull(sessions, store, SOURCES["bulk"])
    local = await only_product(sessions)
    await _update(sessions, local.id, gift_card_template_suffix="winter")
    await store.edit(shopify_id, giftCardTemplateSuffix="summer", requiresSellingPlan=False)

    report = await pull(sessions, store, SOURCES["pages"])

    assert report.outcomes == {"conflict": 1}
    async with sessions() as session:
        record = (await session.scalars(select(ProductConflict))).one()
    assert [f["path"] for f in record.fields] == ["gift_card_template_suffix"]
    kept = await only_product(sessions)
    assert kept.gift_card_template_suffix == "winter"  # until a person decides


async def test_a_handle_changed_here_leaves_a_redirect_from_the_old_url(
    sessions: Sessions, store: Store, emulator: Emulator
) -> None:
    await _made_in_store(store)
    await pull(sessions, store, SOURCES["bulk"])
    local = await only_product(sessions)

    await _update(sessions, local.id, title=f"{CLUB} (new)")  # the handle kept
    await push(sessions, emulator, PushMode.sequential)
    assert (await store.client.execute(_REDIRECTS)).data["urlRedirects"]["nodes"] == []

    await _update(sessions, local.id, handle="club-du-café")
    renamed = await push(sessions, emulator, PushMode.sequential)
    assert (renamed.pushed, renamed.failed) == (1, 0), renamed.errors
    redirects = (await store.client.execute(_REDIRECTS)).data["urlRedirects"]["nodes"]
    assert redirects == [{"path": "/products/café-club", "target": "/products/club-du-café"}]


async def test_with_redirects_turned_off_a_handle_change_leaves_none(
    sessions: Sessions, store: Store, emulator: Emulator
) -> None:
    await _made_in_store(store)
    await pull(sessions, store, SOURCES["bulk"])
    local = await only_product(sessions)

    await _update(sessions, local.id, handle="club-du-café")
    renamed = await push(
        sessions, emulator, PushMode.sequential, config=PushConfig(redirect_handles=False)
    )
    assert (renamed.pushed, renamed.failed) == (1, 0), renamed.errors
    assert (await store.client.execute(_REDIRECTS)).data["urlRedirects"]["nodes"] == []
