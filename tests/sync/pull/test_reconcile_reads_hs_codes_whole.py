"""The reads of detection and the reconciliation pull (`inbound.remote`: a product by id, pages
of products changed since) take an item's per-country HS codes whole when the page's read cut
the list (more codes than it asks for), as a pull's pages do (`complete_hs_codes`, the one
implementation): the list is known, not left "not known". Against the emulator over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from product_dashboard.inbound.remote import Unreadable, changed_since, fetch_product
from product_dashboard.kit.hs_codes import CountryHsCodes
from tests.sync.pull.conftest import PRODUCT_SET, Store

pytestmark = pytest.mark.integration

# Three codes: more than a products page (or a product by id) asks for, one.
CODES = CountryHsCodes.of([("US", "0901.21.0000"), ("CA", "090121.00"), ("MX", "09012101")])


async def _made_in_store(store: Store) -> str:
    created = await store.client.execute(
        PRODUCT_SET,
        {
            "input": {
                "title": "Café club",
                "productOptions": [{"name": "Size", "values": [{"name": "250 g"}]}],
                "variants": [
                    {
                        "optionValues": [{"optionName": "Size", "name": "250 g"}],
                        "price": "12.00",
                        "inventoryItem": {"countryHarmonizedSystemCodes": CODES.to_shopify()},
                    }
                ],
            }
        },
        idempotent=False,
    )
    assert created.data["productSet"]["userErrors"] == []
    shopify_id: str = created.data["productSet"]["product"]["id"]
    return shopify_id


async def test_a_product_read_by_id_has_its_items_codes_whole(store: Store) -> None:
    shopify_id = await _made_in_store(store)

    fetched = await fetch_product(store.client, shopify_id)

    assert fetched is not None
    [variant] = fetched[0].variants
    assert variant.country_hs_codes == CODES


async def test_products_changed_since_have_their_items_codes_whole(store: Store) -> None:
    shopify_id = await _made_in_store(store)

    read = [p async for p, _ in changed_since(store.client, datetime(2000, 1, 1, tzinfo=UTC))]

    [product] = read
    assert not isinstance(product, Unreadable)
    assert product.shopify_product_id == shopify_id
    assert [v.country_hs_codes for v in product.variants] == [CODES]
