"""Bulk queries shaped like those of a widely used extraction client (Airbyte's Shopify source:
its product, variant, image, inventory, location and collection streams, with its date-window
filters, aliases and fragments) start, complete and export every record (issue #21 item 3)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.fixtures.waiting import wait_for
from tests.shopify_emulator.conftest import Emulator

pytestmark = pytest.mark.integration

WINDOW = "updated_at:>='2020-01-01T00:00:00+00:00' AND updated_at:<='2099-01-01T00:00:00+00:00'"
MONEY = "amount currency_code: currencyCode"
METAFIELD = "__typename id namespace value key description createdAt updatedAt type"

QUERIES: dict[str, str] = {
    "products": f"""{{ products(query: "{WINDOW}", sortKey: UPDATED_AT) {{ edges {{ node {{
        __typename id publishedAt createdAt status vendor updatedAt bodyHtml productType tags
        handle templateSuffix title description descriptionHtml isGiftCard legacyResourceId
        onlineStorePreviewUrl onlineStoreUrl totalInventory tracksInventory hasOnlyDefaultVariant
        hasOutOfStockVariants requiresSellingPlan
        priceRangeV2 {{ max_variant_price: maxVariantPrice {{ {MONEY} }}
                        min_variant_price: minVariantPrice {{ {MONEY} }} }}
        featuredImage {{ height id url width alt_text: altText }}
        seo {{ description title }}
        featuredMedia {{ alt id status media_content_type: mediaContentType
            preview {{ status image {{ id alt_text: altText }} }}
            media_errors: mediaErrors {{ code details message }}
            media_warnings: mediaWarnings {{ code message }} }}
        feedback {{ summary details {{ app {{ id }} link {{ url }}
            messages {{ field message }} }} }}
        total_variants: variantsCount {{ total_variants: count }}
        media_count: mediaCount {{ media_count: count }}
        options {{ id name values position }}
        images {{ edges {{ node {{ __typename id }} }} }}
        variants {{ edges {{ node {{ __typename id }} }} }} }} }} }} }}""",
    "product_images": f"""{{ products(query: "{WINDOW}", sortKey: UPDATED_AT) {{ edges {{ node {{
        __typename id products_updated_at: updatedAt
        media {{ edges {{ node {{ ... on MediaImage {{ __typename createdAt updatedAt
            image {{ url }} }} }} }} }}
        images {{ edges {{ node {{ __typename id height alt: altText src url width }} }} }}
        }} }} }} }}""",
    "product_variants": f"""{{ productVariants(query: "{WINDOW}") {{ edges {{ node {{
        __typename id title price sku position inventoryPolicy compareAtPrice createdAt
        updatedAt taxable barcode inventoryQuantity requiresComponents availableForSale
        displayName taxCode
        options: selectedOptions {{ name value option_value: optionValue {{ id name
            has_variants: hasVariants swatch {{ color image {{ id image {{ src url }} }} }} }} }}
        image {{ image_id: id image_src: src image_url: url }}
        old_inventory_quantity: inventoryQuantity
        product {{ product_id: id product_options: options {{ id name position }} }}
        inventoryItem {{ inventory_item_id: id tracked requires_shipping: requiresShipping
            measurement {{ weight {{ value unit }} }} }}
        productVariantComponents {{ edges {{ node {{ __typename id quantity
            productVariant {{ component_variant_id: id product {{ component_product_id: id }} }}
            }} }} }}
        presentmentPrices {{ edges {{ node {{ __typename price {{ amount currencyCode }}
            compareAtPrice {{ amount currencyCode }} }} }} }} }} }} }} }}""",
    "variant_metafields": f"""{{ productVariants(query: "{WINDOW}") {{ edges {{ node {{
        id metafields {{ edges {{ node {{ {METAFIELD} }} }} }} }} }} }} }}""",
    "inventory_items": f"""{{ inventoryItems(query: "{WINDOW}") {{ edges {{ node {{
        __typename id harmonizedSystemCode provinceCodeOfOrigin updatedAt createdAt sku tracked
        requiresShipping duplicateSkuCount unitCost {{ cost: amount currency_code: currencyCode }}
        countryCodeOfOrigin countryHarmonizedSystemCodes {{ edges {{ node {{ __typename
            harmonizedSystemCode countryCode }} }} }} }} }} }} }}""",
    "inventory_levels": """{ locations(includeLegacy: true, includeInactive: true) { edges {
        node { __typename id inventoryLevels(query: "updated_at:>='2020-01-01T00:00:00+00:00'")
        { edges { node { __typename id canDeactivate createdAt deactivationAlert updatedAt
            item { inventory_history_url: inventoryHistoryUrl inventory_item_id: id
                locations_count: locationsCount { count } }
            quantities(names: ["available", "incoming", "committed", "damaged", "on_hand",
                "quality_control", "reserved", "safety_stock"]) { id name quantity updatedAt }
        } } } } } } }""",
    "location_metafields": f"""{{ locations {{ edges {{ node {{ id
        metafields {{ edges {{ node {{ {METAFIELD} }} }} }} }} }} }} }}""",
    "collections": f"""{{ collections(query: "{WINDOW}", sortKey: UPDATED_AT) {{ edges {{ node {{
        __typename id handle title updatedAt bodyHtml: descriptionHtml
        publications {{ edges {{ node {{ __typename publishedAt: publishDate }} }} }}
        sortOrder templateSuffix productsCount {{ products_count: count }} }} }} }} }}""",
}


def _seed(emulator: Emulator) -> None:
    emulator.knob("seed", {"products": 12, "seed": 8, "collections": True})
    payload = emulator.data(
        "mutation($input: ProductSetInput!) { productSet(input: $input) { userErrors "
        "{ message } } }",
        {
            "input": {
                "title": "With media",
                "files": [{"originalSource": "https://cdn.example.com/a.jpg", "alt": "A"}],
                "metafields": [{"namespace": "custom", "key": "k", "value": "v"}],
            }
        },
    )["productSet"]
    assert payload["userErrors"] == []


@pytest.mark.parametrize("stream", sorted(QUERIES))
def test_client_bulk_query_runs_to_completion(emulator: Emulator, stream: str) -> None:
    _seed(emulator)
    run = emulator.data(
        "mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id status "
        "createdAt } userErrors { code field message } } }",
        {"q": QUERIES[stream]},
    )["bulkOperationRunQuery"]
    assert run["userErrors"] == []
    assert run["bulkOperation"]["status"] == "CREATED"

    def status() -> dict[str, Any]:
        node: dict[str, Any] = emulator.data(
            "query($id: ID!) { node(id: $id) { ... on BulkOperation { status errorCode "
            "objectCount rootObjectCount url } } }",
            {"id": run["bulkOperation"]["id"]},
        )["node"]
        return node

    wait_for(lambda: status()["status"] in ("COMPLETED", "FAILED"))
    done = status()
    assert (done["status"], done["errorCode"]) == ("COMPLETED", None)
    rows = [json.loads(line) for line in emulator.client.get(done["url"]).text.splitlines()]
    roots = [r for r in rows if "__parentId" not in r]
    store = emulator.state.store
    expected_roots = {
        "products": len(store.products),
        "product_images": len(store.products),
        "product_variants": len(store.variants),
        "variant_metafields": len(store.variants),
        "inventory_items": len(store.variants),
        "inventory_levels": 1,
        "location_metafields": 1,
        "collections": len(store.collections),
    }[stream]
    assert len(roots) == int(done["rootObjectCount"]) == expected_roots
    if stream == "inventory_levels":
        assert len(rows) - len(roots) == len(store.variants)


# Paged reads shaped like the Singer tap's (tap-shopify) product, variant and inventory streams.
PAGED: dict[str, str] = {
    "products": """query GetProducts($first: Int!, $after: String, $query: String) {
        products(first: $first, after: $after, query: $query) { edges { node {
            id title descriptionHtml vendor category { id } tags handle publishedAt createdAt
            updatedAt templateSuffix status productType options { id name position values }
            giftCardTemplateSuffix hasOnlyDefaultVariant hasOutOfStockVariants
            hasVariantsThatRequiresComponents isGiftCard description
            compareAtPriceRange { maxVariantCompareAtPrice { amount currencyCode }
                minVariantCompareAtPrice { amount currencyCode } }
            featuredMedia { id } requiresSellingPlan totalInventory tracksInventory } }
        pageInfo { hasNextPage endCursor } } }""",
    "productVariants": """query GetProductVariants($first: Int!, $after: String,
        $query: String) { productVariants(first: $first, after: $after, query: $query) {
        nodes { updatedAt id price displayName createdAt barcode compareAtPrice
            availableForSale inventoryPolicy inventoryQuantity legacyResourceId position
            requiresComponents sku taxCode taxable title sellableOnlineQuantity }
        pageInfo { hasNextPage endCursor } } }""",
    "inventoryItems": """query GetinventoryItems($first: Int!, $after: String, $query: String) {
        inventoryItems(first: $first, after: $after, query: $query) { edges { node {
            id createdAt sku updatedAt requiresShipping countryCodeOfOrigin
            provinceCodeOfOrigin harmonizedSystemCode tracked unitCost { amount } } }
        pageInfo { hasNextPage endCursor } } }""",
}


@pytest.mark.parametrize("root", sorted(PAGED))
def test_client_paged_read_returns_every_record(emulator: Emulator, root: str) -> None:
    _seed(emulator)
    ids: list[str] = []
    after = None
    while True:
        connection = emulator.data(
            PAGED[root],
            {"first": 10, "after": after, "query": "updated_at:>='2020-01-01T00:00:00Z'"},
        )[root]
        nodes = connection.get("nodes") or [e["node"] for e in connection["edges"]]
        ids += [n["id"] for n in nodes]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    store = emulator.state.store
    expected = len(store.products) if root == "products" else len(store.variants)
    assert len(ids) == len(set(ids)) == expected
