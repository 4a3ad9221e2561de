"""A store product carrying every field the dashboard reads, pulled and pushed whole (as after an
edit elsewhere in the product) and then with one edit: the store is field by field as it was.

Product fields (HTML with styles, Unicode tags, draft status, SEO, template, category, gift card),
options whose values differ only in case, variants with every inventory item field (fractional
grams and pounds, cost, country, HS code, policy, tracking, shipping), stock at three locations,
images with alt text and metafields of several types (JSON, rich text, lists, a product
reference) on the product and its variants. Against the emulator over loopback HTTP.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.sync.pull.engine import PullParams
from product_dashboard.sync.push.modes import PushMode
from tests.sync.conftest import Emulator, bump_versions, push
from tests.sync.pull.conftest import Store, local_products, pull

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]

_SET = """
mutation Set($input: ProductSetInput!) {
  productSet(input: $input, synchronous: true) {
    product { id }
    userErrors { field message code }
  }
}
"""
_DUMP = """
query Dump($id: ID!) {
  product(id: $id) {
    title handle descriptionHtml vendor productType status tags templateSuffix isGiftCard
    seo { title description }
    category { id }
    options { name position values optionValues { name } }
    media(first: 20) { nodes { id alt mediaContentType ... on MediaImage { image { url } } } }
    metafields(first: 20) { nodes { id namespace key type value } }
    variants(first: 8) {
      nodes {
        id title sku barcode price compareAtPrice taxable inventoryPolicy position
        selectedOptions { name value }
        media(first: 1) { nodes { id } }
        metafields(first: 3) { nodes { id namespace key type value } }
        inventoryItem {
          id tracked requiresShipping countryCodeOfOrigin harmonizedSystemCode
          unitCost { amount currencyCode }
          measurement { weight { unit value } }
          inventoryLevels(first: 4) {
            nodes { location { id } quantities(names: ["available"]) { name quantity } }
          }
        }
      }
    }
  }
}
"""


def _input(locations: list[str], reference: str) -> dict[str, Any]:
    colors = ["Red", "red"]
    sizes = ["S", "M"]
    weights = [("GRAMS", 0.5), ("POUNDS", 1.25), ("OUNCES", 8), ("KILOGRAMS", 2.5)]
    variants = []
    for n, (color, size) in enumerate((c, s) for c in colors for s in sizes):
        unit, value = weights[n]
        variants.append(
            {
                "optionValues": [
                    {"optionName": "Color", "name": color},
                    {"optionName": "Size", "name": size},
                ],
                "sku": f"TEE-{color}-{size} ",
                "barcode": f"00{n}1234567",
                "price": f"{19 + n}.99",
                "compareAtPrice": None if n % 2 else f"{29 + n}.00",
                "taxable": n != 1,
                "inventoryPolicy": "CONTINUE" if n == 2 else "DENY",
                "inventoryItem": {
                    "cost": f"{5 + n}.25",
                    "tracked": n != 3,
                    "requiresShipping": n != 0,
                    "countryCodeOfOrigin": "PT",
                    "harmonizedSystemCode": "610910",
                    "measurement": {"weight": {"unit": unit, "value": value}},
                },
                "inventoryQuantities": [
                    {"locationId": loc, "name": "available", "quantity": 3 * n + i}
                    for i, loc in enumerate(locations)
                ],
                "metafields": [
                    {
                        "namespace": "custom",
                        "key": "fit",
                        "type": "json",
                        "value": json.dumps({"chest": 50 + n, "note": "ünïcode"}),
                    }
                ],
            }
        )
    rich = {
        "type": "root",
        "children": [
            {"type": "paragraph", "children": [{"type": "text", "value": "Weich", "bold": True}]}
        ],
    }
    return {
        "title": "Tee — “organic” ✨",
        "handle": "tee-organic",
        "descriptionHtml": (
            '<p style="color:#333;font-weight:bold">Soft <span class="x">tee</span></p>'
        ),
        "vendor": "Ærø Clothing",
        "productType": "T-Shirts",
        "status": "DRAFT",
        "tags": ["été", "Bio", "größe-s", "寿司"],
        "templateSuffix": "tee",
        "giftCard": False,
        "seo": {"title": "Tee | Shop", "description": "An organic tee."},
        "category": "gid://shopify/TaxonomyCategory/aa-1-13-8",
        "productOptions": [
            {"name": "Color", "values": [{"name": c} for c in colors]},
            {"name": "Size", "values": [{"name": s} for s in sizes]},
        ],
        "files": [
            {
                "originalSource": f"https://example.com/tee-{n}.jpg",
                "alt": f"Tee {n}",
                "contentType": "IMAGE",
            }
            for n in range(3)
        ],
        "metafields": [
            {
                "namespace": "custom",
                "key": "care",
                "type": "rich_text_field",
                "value": json.dumps(rich),
            },
            {"namespace": "custom", "key": "specs", "type": "json", "value": '{"gsm": 180}'},
            {
                "namespace": "custom",
                "key": "materials",
                "type": "list.single_line_text_field",
                "value": json.dumps(["cotton", "elastane"]),
            },
            {
                "namespace": "custom",
                "key": "pairs_with",
                "type": "product_reference",
                "value": reference,
            },
            {"namespace": "custom", "key": "launch", "type": "date", "value": "2026-03-01"},
        ],
        "variants": variants,
    }


async def _dump(store: Store, shopify_id: str) -> dict[str, Any]:
    data: dict[str, Any] = (await store.client.execute(_DUMP, {"id": shopify_id})).data["product"]
    return data


@pytest.mark.parametrize("source", ["bulk", "pages"])
async def test_a_whole_push_and_a_one_field_edit_leave_the_store_as_it_was(
    sessions: Sessions, store: Store, emulator: Emulator, source: str
) -> None:
    locations = (await store.knob("seed", {"products": 0, "locations": 3}))["locations"]
    other = await store.client.execute(
        _SET, {"input": {"title": "Cap", "handle": "cap"}}, idempotent=False
    )
    reference = other.data["productSet"]["product"]["id"]
    made = await store.client.execute(
        _SET, {"input": _input(locations, reference)}, idempotent=False
    )
    assert made.data["productSet"]["userErrors"] == []
    shopify_id = made.data["productSet"]["product"]["id"]
    before = await _dump(store, shopify_id)

    params = (
        PullParams(kind="full")
        if source == "bulk"
        else PullParams(kind="incremental", since=datetime(2000, 1, 1, tzinfo=UTC), use_bulk=False)
    )
    await pull(sessions, store, params)
    [_cap, tee] = sorted(await local_products(sessions), key=lambda p: p.title)
    assert tee.title.startswith("Tee")

    await bump_versions(sessions, [tee.id])  # saved with no change: nothing to send
    first = await push(sessions, emulator, PushMode.sequential)
    assert (first.pushed, first.failed) == (0, 0), first.errors
    assert await _dump(store, shopify_id) == before

    await bump_versions(sessions, [tee.id], vendor="Ærø Clothing Co")
    second = await push(sessions, emulator, PushMode.sequential)
    assert (second.pushed, second.failed) == (1, 0), second.errors
    edited = await _dump(store, shopify_id)
    assert edited == {**before, "vendor": "Ærø Clothing Co"}
