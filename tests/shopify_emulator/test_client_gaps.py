"""What widely used extraction clients (Singer, Meltano and Airbyte Shopify taps) send, run
against the emulator: the fields they read, the REST calls they make first, and the bulk
operations they start (issue #21 item 3)."""

from __future__ import annotations

import json
import math
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from shopify_emulator.resolvers import queries
from tests.fixtures.waiting import wait_for
from tests.shopify_emulator.conftest import API, Emulator

pytestmark = pytest.mark.integration

VERSION = API.split("/")[3]
PRODUCT_SET = (
    "mutation($input: ProductSetInput!) { productSet(input: $input) "
    "{ product { id variants(first: 5) { nodes { id inventoryItem { id } } } } "
    "userErrors { field message code } } }"
)


def location_id(emulator: Emulator) -> str:
    nodes = emulator.data("{ locations(first: 1) { nodes { id } } }")["locations"]["nodes"]
    return str(nodes[0]["id"])


def create_product(emulator: Emulator, **fields: Any) -> dict[str, Any]:
    product_input = {
        "title": "Linen shirt",
        "descriptionHtml": "<p>Soft <b>linen</b></p>",
        "productOptions": [{"name": "Size", "values": [{"name": "M"}]}],
        "variants": [
            {
                "optionValues": [{"optionName": "Size", "name": "M"}],
                "price": "30.00",
                "compareAtPrice": "40.00",
                "sku": "LIN-M",
            }
        ],
        "files": [{"originalSource": "https://cdn.example.com/linen.png", "alt": "Linen"}],
        "metafields": [{"namespace": "custom", "key": "fabric", "value": "linen"}],
        **fields,
    }
    payload = emulator.data(PRODUCT_SET, {"input": product_input})["productSet"]
    assert payload["userErrors"] == []
    product: dict[str, Any] = payload["product"]
    return product


# --- bulk operations -----------------------------------------------------------------------
def _poll(emulator: Emulator, operation_id: str) -> dict[str, Any]:
    """Airbyte's source polls with a bare document (`Content-Type: application/graphql`)."""
    response = emulator.client.post(
        API,
        content=f'query {{ node(id: "{operation_id}") {{ ... on BulkOperation '
        "{ id status errorCode objectCount url } } }",
        headers={"Content-Type": "application/graphql"},
    )
    assert response.status_code == 200, response.text
    node: dict[str, Any] = response.json()["data"]["node"]
    return node


def test_grouped_bulk_query_links_a_file_named_like_shopifys(emulator: Emulator) -> None:
    create_product(emulator)
    run = emulator.data(
        'mutation { bulkOperationRunQuery(groupObjects: true, query: """{ productVariants { '
        "edges { node { __typename id product { bodyHtml descriptionHtml requiresSellingPlan } "
        'presentmentPrices { edges { node { __typename price { amount } } } } } } } }""") '
        "{ bulkOperation { id status } userErrors { code field message } } }"
    )["bulkOperationRunQuery"]
    assert run["userErrors"] == []
    operation_id = run["bulkOperation"]["id"]
    wait_for(lambda: _poll(emulator, operation_id)["status"] == "COMPLETED")
    url = _poll(emulator, operation_id)["url"]

    # As Airbyte's BulkTools.filename_from_url reads it.
    disposition = dict(parse_qsl(urlsplit(url).query))["response-content-disposition"]
    match = re.search(r'filename\*?=(?:UTF-8\'\')?"([^"]+)"', disposition)
    assert match is not None and match.group(1) == f"bulk-{operation_id.rsplit('/', 1)[1]}.jsonl"
    assert {"Expires", "Signature", "GoogleAccessId"} <= dict(parse_qsl(urlsplit(url).query)).keys()

    download = emulator.client.get(url)
    assert download.status_code == 200
    assert download.headers["content-disposition"] == disposition
    rows = [json.loads(line) for line in download.text.splitlines()]
    [variant, price] = rows
    product = variant["product"]
    assert product["bodyHtml"] == product["descriptionHtml"] == "<p>Soft <b>linen</b></p>"
    assert product["requiresSellingPlan"] is False
    assert price == {
        "__typename": "ProductVariantPricePair",
        "price": {"amount": "30.0"},
        "__parentId": variant["id"],
    }


def test_bulk_query_selecting_an_unknown_field_is_refused_at_creation(emulator: Emulator) -> None:
    before = emulator.data("{ currentBulkOperation { id } }")["currentBulkOperation"]
    run = emulator.data(
        'mutation { bulkOperationRunQuery(query: """{ products { edges { node { id '
        'noSuchField } } } }""") { bulkOperation { id } userErrors { code field message } } }'
    )["bulkOperationRunQuery"]
    assert run["bulkOperation"] is None
    [error] = run["userErrors"]
    assert error["code"] == "INVALID" and error["field"] == ["query"]
    assert "Field 'noSuchField' doesn't exist on type 'Product'" in error["message"]
    assert emulator.data("{ currentBulkOperation { id } }")["currentBulkOperation"] == before


# --- fields --------------------------------------------------------------------------------
def test_product_variant_media_and_metafield_fields_clients_read(emulator: Emulator) -> None:
    product = create_product(emulator)
    data = emulator.data(
        "query($id: ID!) { product(id: $id) { bodyHtml descriptionHtml requiresSellingPlan "
        "compareAtPriceRange { minVariantCompareAtPrice { amount } "
        "maxVariantCompareAtPrice { amount } } "
        "featuredMedia { mediaErrors { code message } mediaWarnings { code } } "
        "media(first: 5) { nodes { ... on MediaImage { mediaErrors { code } "
        'metafields(first: 5) { nodes { id } } metafield(key: "x") { id } '
        "image { src originalSrc url } } } } "
        "images(first: 5) { nodes { src url } } "
        "metafields(first: 5) { nodes { key description } } "
        "variants(first: 5) { nodes { requiresComponents sellableOnlineQuantity "
        "presentmentPrices(first: 5) { nodes { price { amount currencyCode } "
        "compareAtPrice { amount currencyCode } } } "
        "euro: presentmentPrices(first: 5, presentmentCurrencies: [EUR]) { nodes { price "
        "{ amount } } } } } } }",
        {"id": product["id"]},
    )["product"]
    assert data["bodyHtml"] == data["descriptionHtml"]
    assert data["requiresSellingPlan"] is False
    assert data["compareAtPriceRange"] == {
        "minVariantCompareAtPrice": {"amount": "40.0"},
        "maxVariantCompareAtPrice": {"amount": "40.0"},
    }
    assert data["featuredMedia"] == {"mediaErrors": [], "mediaWarnings": []}
    [media] = data["media"]["nodes"]
    assert media["mediaErrors"] == [] and media["metafields"]["nodes"] == []
    assert media["metafield"] is None
    assert media["image"]["src"] == media["image"]["originalSrc"] == media["image"]["url"]
    assert data["images"]["nodes"] == [{"src": media["image"]["url"], "url": media["image"]["url"]}]
    assert data["metafields"]["nodes"] == [{"key": "fabric", "description": None}]
    [variant] = data["variants"]["nodes"]
    assert variant["requiresComponents"] is False and variant["sellableOnlineQuantity"] == 0
    assert variant["presentmentPrices"]["nodes"] == [
        {
            "price": {"amount": "30.0", "currencyCode": "USD"},
            "compareAtPrice": {"amount": "40.0", "currencyCode": "USD"},
        }
    ]
    assert variant["euro"]["nodes"] == []


def test_collection_publications(emulator: Emulator) -> None:
    created = emulator.data(
        'mutation { collectionCreate(input: {title: "Summer"}) { collection { id } '
        "userErrors { message } } }"
    )["collectionCreate"]["collection"]
    data = emulator.data(
        "query($id: ID!) { collection(id: $id) { publications(first: 5) { nodes { "
        "publishDate isPublished collection { id } publication { id name } } } } }",
        {"id": created["id"]},
    )["collection"]
    [publication] = data["publications"]["nodes"]
    assert publication["isPublished"] is True and publication["publishDate"]
    assert publication["collection"] == {"id": created["id"]}
    node = emulator.data(
        "query($id: ID!) { node(id: $id) { ... on Publication { name } } }",
        {"id": publication["publication"]["id"]},
    )["node"]
    assert node == {"name": publication["publication"]["name"]}


def test_inventory_levels_items_and_quantities(emulator: Emulator) -> None:
    location = location_id(emulator)
    product = create_product(
        emulator,
        variants=[
            {
                "optionValues": [{"optionName": "Size", "name": "M"}],
                "price": "30.00",
                "sku": "LIN-M",
                "inventoryQuantities": [
                    {"locationId": location, "name": "available", "quantity": 7}
                ],
            }
        ],
    )
    item_id = product["variants"]["nodes"][0]["inventoryItem"]["id"]
    data = emulator.data(
        "query($loc: ID!) { location(id: $loc) { inventoryLevels(first: 10, "
        'query: "updated_at:>=2020-01-01") { nodes { id isActive canDeactivate '
        'quantities(names: ["available", "on_hand", "committed", "incoming"]) { name quantity } '
        "location { id } item { id sku locationsCount { count } } } } } }",
        {"loc": location},
    )["location"]
    [level] = data["inventoryLevels"]["nodes"]
    assert level["item"] == {"id": item_id, "sku": "LIN-M", "locationsCount": {"count": 1}}
    assert level["location"] == {"id": location}
    assert [(q["name"], q["quantity"]) for q in level["quantities"]] == [
        ("available", 7),
        ("on_hand", 7),
        ("committed", 0),
        ("incoming", 0),
    ]
    items = emulator.data(
        '{ inventoryItems(first: 10, query: "sku:LIN-M") { nodes { id sku duplicateSkuCount '
        "inventoryLevels(first: 5) { nodes { id } } } } }"
    )["inventoryItems"]["nodes"]
    assert [(i["id"], i["duplicateSkuCount"]) for i in items] == [(item_id, 0)]
    assert items[0]["inventoryLevels"]["nodes"] == [{"id": level["id"]}]
    by_id = emulator.data(
        "query($id: ID!, $item: ID!) { inventoryLevel(id: $id) { id } "
        "node(id: $id) { ... on InventoryLevel { item { id } } } "
        "inventoryItem(id: $item) { inventoryLevel(locationId: "
        f'"{location}") {{ id }} }} }}',
        {"id": level["id"], "item": item_id},
    )
    assert by_id["inventoryLevel"] == {"id": level["id"]}
    assert by_id["node"] == {"item": {"id": item_id}}
    assert by_id["inventoryItem"]["inventoryLevel"] == {"id": level["id"]}
    unknown = emulator.gql(
        "query($loc: ID!) { location(id: $loc) { inventoryLevels(first: 1) { nodes { "
        'quantities(names: ["avialable"]) { quantity } } } } }',
        {"loc": location},
    )
    assert "avialable" in unknown["errors"][0]["message"]


def test_events_tell_which_products_were_deleted(emulator: Emulator) -> None:
    kept = create_product(emulator)
    gone = create_product(emulator, title="Gone")
    deleted = emulator.data(
        "mutation($id: ID!) { productDelete(input: {id: $id}) { deletedProductId } }",
        {"id": gone["id"]},
    )["productDelete"]
    assert deleted["deletedProductId"] == gone["id"]
    events = emulator.data(
        '{ events(first: 10, sortKey: CREATED_AT, query: "subject_type:PRODUCT AND '
        'action:destroy") { nodes { __typename id action createdAt message '
        "... on BasicEvent { subjectId subjectType } } } }"
    )["events"]["nodes"]
    assert [(e["action"], e["subjectId"], e["subjectType"]) for e in events] == [
        ("destroy", gone["id"], "PRODUCT")
    ]
    assert events[0]["__typename"] == "BasicEvent" and "Gone" in events[0]["message"]
    created = emulator.data(
        '{ events(first: 10, query: "action:create") { nodes { ... on BasicEvent '
        "{ subjectId } } } }"
    )["events"]["nodes"]
    assert [e["subjectId"] for e in created] == [kept["id"], gone["id"]]
    again = emulator.data("query($id: ID!) { event(id: $id) { action } }", {"id": events[0]["id"]})
    assert again["event"] == {"action": "destroy"}


# --- REST ----------------------------------------------------------------------------------
def test_rest_shop_and_access_scopes_answer_like_shopify(emulator: Emulator) -> None:
    shop = emulator.client.get(f"/admin/api/{VERSION}/shop.json")
    assert shop.status_code == 200
    resource = shop.json()["shop"]
    graphql = emulator.data("{ shop { id myshopifyDomain currencyCode } }")["shop"]
    assert graphql["id"] == f"gid://shopify/Shop/{resource['id']}"
    assert resource["myshopify_domain"] == graphql["myshopifyDomain"]
    assert resource["currency"] == graphql["currencyCode"]
    scopes = emulator.client.get("/admin/oauth/access_scopes.json")
    assert scopes.status_code == 200
    assert {"handle": "read_products"} in scopes.json()["access_scopes"]
    anonymous = {"X-Shopify-Access-Token": "wrong"}
    assert (
        emulator.client.get(f"/admin/api/{VERSION}/shop.json", headers=anonymous).status_code == 401
    )
    assert (
        emulator.client.get("/admin/oauth/access_scopes.json", headers=anonymous).status_code == 401
    )


# --- paging cost ---------------------------------------------------------------------------
def test_paging_through_every_variant_is_linear_in_the_catalog(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each page used to rebuild and re-sort every variant: pages times variants sort-key calls.
    Now the sorted rows are built once per store version and a page bisects into them."""
    emulator.knob("seed", {"products": 300, "seed": 5})
    calls = 0
    by_id = queries._VARIANT_ROOT_SORTS["ID"]

    def counting(row: Any) -> Any:
        nonlocal calls
        calls += 1
        return by_id(row)

    monkeypatch.setitem(queries._VARIANT_ROOT_SORTS, "ID", counting)
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = emulator.data(
            "query($after: String) { productVariants(first: 50, after: $after) "
            "{ nodes { id } pageInfo { hasNextPage endCursor } } }",
            {"after": after},
        )["productVariants"]
        pages += 1
        seen += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    total = len(seen)
    assert total == len(set(seen)) == len(emulator.state.store.variants) and pages > 10
    # One sort, then per page its own rows plus a binary search for the cursor.
    per_page = 50 + 2 * math.ceil(math.log2(total)) + 2
    assert calls <= total + pages * per_page
