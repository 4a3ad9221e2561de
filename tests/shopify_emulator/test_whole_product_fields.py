"""The last settable fields of a product the emulator answered constants for: the gift card
template, selling plan only, combined listing role, a variant's unit price display and bundle
components, its item's province of origin and per-country HS codes; and the URL redirect a
handle change leaves when asked (`redirectNewHandle`)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.fixtures.waiting import wait_for
from tests.shopify_emulator.conftest import Emulator

pytestmark = pytest.mark.integration

ITEM = (
    "inventoryItem { provinceCodeOfOrigin "
    "countryHarmonizedSystemCodes(first: 5) { nodes { countryCode harmonizedSystemCode } "
    "pageInfo { hasNextPage } } }"
)
FIELDS = (
    "id handle giftCardTemplateSuffix requiresSellingPlan combinedListingRole "
    f"variants(first: 5) {{ nodes {{ id showUnitPrice requiresComponents {ITEM} }} }}"
)
SET = (
    "mutation($input: ProductSetInput!, $identifier: ProductSetIdentifiers) { "
    "productSet(input: $input, identifier: $identifier, synchronous: true) { "
    f"product {{ {FIELDS} }} userErrors {{ field message code }} }} }}"
)
REDIRECTS = "query($q: String) { urlRedirects(first: 10, query: $q) { nodes { id path target } } }"
HS = [
    {"countryCode": "US", "harmonizedSystemCode": "1509.20.2000"},
    {"countryCode": "CA", "harmonizedSystemCode": "150920.00"},
]


def _set(
    emulator: Emulator, data: dict[str, Any], identifier: dict[str, Any] | None = None
) -> dict[str, Any]:
    payload: dict[str, Any] = emulator.data(SET, {"input": data, "identifier": identifier})[
        "productSet"
    ]
    return payload


def _oil(variant: dict[str, Any] | None = None, **product: Any) -> dict[str, Any]:
    return {
        "title": "Huile d\u2019olive",
        "productOptions": [{"name": "Size", "values": [{"name": "750 ml"}]}],
        "variants": [
            {
                "optionValues": [{"optionName": "Size", "name": "750 ml"}],
                "price": "9.90",
                **(variant or {}),
            }
        ],
        **product,
    }


def test_product_set_stores_them_and_a_query_reads_them(emulator: Emulator) -> None:
    created = _set(
        emulator,
        _oil(
            {
                "showUnitPrice": True,
                "requiresComponents": True,
                "inventoryItem": {"provinceCodeOfOrigin": "QC", "countryHarmonizedSystemCodes": HS},
            },
            giftCardTemplateSuffix="festive",
            requiresSellingPlan=True,
            combinedListingRole="PARENT",
        ),
    )

    assert created["userErrors"] == []
    product = created["product"]
    assert product["giftCardTemplateSuffix"] == "festive"
    assert product["requiresSellingPlan"] is True
    assert product["combinedListingRole"] == "PARENT"
    [variant] = product["variants"]["nodes"]
    assert variant["showUnitPrice"] is True and variant["requiresComponents"] is True
    assert variant["inventoryItem"]["provinceCodeOfOrigin"] == "QC"
    codes = variant["inventoryItem"]["countryHarmonizedSystemCodes"]
    assert codes["nodes"] == [  # by country
        {"countryCode": "CA", "harmonizedSystemCode": "150920.00"},
        {"countryCode": "US", "harmonizedSystemCode": "1509.20.2000"},
    ]
    assert codes["pageInfo"]["hasNextPage"] is False


def test_left_out_they_are_kept_and_null_clears_the_clearable(emulator: Emulator) -> None:
    product = _set(
        emulator,
        _oil(
            {
                "showUnitPrice": True,
                "inventoryItem": {"provinceCodeOfOrigin": "QC", "countryHarmonizedSystemCodes": HS},
            },
            giftCardTemplateSuffix="festive",
            requiresSellingPlan=True,
        ),
    )["product"]
    variant_id = product["variants"]["nodes"][0]["id"]

    kept = _set(emulator, _oil({"id": variant_id, "sku": "OIL"}), {"id": product["id"]})
    assert kept["product"]["giftCardTemplateSuffix"] == "festive"
    assert kept["product"]["requiresSellingPlan"] is True
    [variant] = kept["product"]["variants"]["nodes"]
    assert variant["showUnitPrice"] is True
    assert variant["inventoryItem"]["provinceCodeOfOrigin"] == "QC"
    assert len(variant["inventoryItem"]["countryHarmonizedSystemCodes"]["nodes"]) == 2

    cleared = _set(
        emulator,
        _oil(
            {
                "id": variant_id,
                "showUnitPrice": False,
                "inventoryItem": {"provinceCodeOfOrigin": None, "countryHarmonizedSystemCodes": []},
            },
            giftCardTemplateSuffix=None,
            requiresSellingPlan=False,
        ),
        {"id": product["id"]},
    )["product"]
    assert cleared["giftCardTemplateSuffix"] is None
    assert cleared["requiresSellingPlan"] is False
    [variant] = cleared["variants"]["nodes"]
    assert variant["showUnitPrice"] is False
    assert variant["inventoryItem"]["provinceCodeOfOrigin"] is None
    assert variant["inventoryItem"]["countryHarmonizedSystemCodes"]["nodes"] == []


def test_the_codes_page_like_any_connection(emulator: Emulator) -> None:
    _set(emulator, _oil({"inventoryItem": {"countryHarmonizedSystemCodes": HS}}))
    page = emulator.data(
        "{ products(first: 1) { nodes { variants(first: 1) { nodes { inventoryItem { "
        "countryHarmonizedSystemCodes(first: 1) { nodes { countryCode } "
        "pageInfo { hasNextPage } } } } } } } }"
    )["products"]["nodes"][0]["variants"]["nodes"][0]["inventoryItem"]
    assert page["countryHarmonizedSystemCodes"]["nodes"] == [{"countryCode": "CA"}]
    assert page["countryHarmonizedSystemCodes"]["pageInfo"]["hasNextPage"] is True


@pytest.mark.parametrize(
    "codes",
    [
        [{"countryCode": "US", "harmonizedSystemCode": "12345"}],  # too short
        [{"countryCode": "US", "harmonizedSystemCode": "1509.20.ab"}],
        [*HS, {"countryCode": "US", "harmonizedSystemCode": "150920"}],  # US twice
    ],
)
def test_bad_country_codes_are_refused_and_nothing_is_written(
    emulator: Emulator, codes: list[dict[str, Any]]
) -> None:
    result = _set(emulator, _oil({"inventoryItem": {"countryHarmonizedSystemCodes": codes}}))

    assert result["product"] is None
    [error] = result["userErrors"]
    assert "countryHarmonizedSystemCodes" in error["field"]


def test_the_combined_listing_role_is_set_on_creation_only(emulator: Emulator) -> None:
    product = _set(emulator, _oil(combinedListingRole="CHILD"))["product"]
    same = _set(emulator, _oil(combinedListingRole="CHILD"), {"id": product["id"]})
    assert same["userErrors"] == []

    changed = _set(emulator, _oil(combinedListingRole="PARENT"), {"id": product["id"]})
    assert changed["product"] is None
    assert changed["userErrors"][0]["field"] == ["input", "combinedListingRole"]


def test_a_handle_change_asked_to_redirect_leaves_a_url_redirect(emulator: Emulator) -> None:
    product = _set(emulator, _oil(handle="huile-olive"))["product"]

    _set(emulator, _oil(handle="huile-d-olive-vierge"), {"id": product["id"]})
    assert emulator.data(REDIRECTS)["urlRedirects"]["nodes"] == []  # not asked: none

    _set(emulator, _oil(handle="huile-olive-extra", redirectNewHandle=True), {"id": product["id"]})
    [redirect] = emulator.data(REDIRECTS)["urlRedirects"]["nodes"]
    assert redirect["path"] == "/products/huile-d-olive-vierge"
    assert redirect["target"] == "/products/huile-olive-extra"
    assert redirect["id"].startswith("gid://shopify/UrlRedirect/")

    # The same handle again, asked to redirect: nothing changed, no redirect.
    _set(emulator, _oil(handle="huile-olive-extra", redirectNewHandle=True), {"id": product["id"]})
    found = emulator.data(REDIRECTS, {"q": "path:/products/huile-d-olive-vierge"})
    assert len(found["urlRedirects"]["nodes"]) == 1
    assert len(emulator.data(REDIRECTS)["urlRedirects"]["nodes"]) == 1


def _poll(emulator: Emulator, operation_id: str) -> dict[str, Any]:
    node: dict[str, Any] = emulator.data(
        f'{{ node(id: "{operation_id}") {{ ... on BulkOperation {{ status url }} }} }}'
    )["node"]
    return node


def test_a_bulk_export_reads_them(emulator: Emulator) -> None:
    _set(
        emulator,
        _oil(
            {
                "showUnitPrice": True,
                "inventoryItem": {"provinceCodeOfOrigin": "QC", "countryHarmonizedSystemCodes": HS},
            },
            giftCardTemplateSuffix="festive",
        ),
    )
    products = _bulk(
        emulator,
        "{ products { edges { node { id giftCardTemplateSuffix requiresSellingPlan "
        "combinedListingRole variants { edges { node { id showUnitPrice requiresComponents "
        "inventoryItem { provinceCodeOfOrigin } } } } } } } }",
    )
    [product] = [row for row in products if "giftCardTemplateSuffix" in row]
    assert product["giftCardTemplateSuffix"] == "festive"
    [variant] = [row for row in products if "showUnitPrice" in row]
    assert variant["showUnitPrice"] is True
    assert variant["inventoryItem"]["provinceCodeOfOrigin"] == "QC"

    # Products > variants > codes nests three deep: the codes come from the variants' export.
    variants = _bulk(
        emulator,
        "{ productVariants { edges { node { id inventoryItem { countryHarmonizedSystemCodes "
        "{ edges { node { __typename countryCode harmonizedSystemCode } } } } } } } }",
    )
    codes = [row for row in variants if "harmonizedSystemCode" in row]
    assert {c["countryCode"] for c in codes} == {"US", "CA"}
    assert {c["__parentId"] for c in codes} == {variant["id"]}
    assert {c["__typename"] for c in codes} == {"CountryHarmonizedSystemCode"}


def _bulk(emulator: Emulator, query: str) -> list[dict[str, Any]]:
    run = emulator.data(
        "mutation($q: String!) { bulkOperationRunQuery(query: $q) "
        "{ bulkOperation { id } userErrors { message } } }",
        {"q": query},
    )["bulkOperationRunQuery"]
    assert run["userErrors"] == []
    operation_id = run["bulkOperation"]["id"]
    wait_for(lambda: _poll(emulator, operation_id)["status"] == "COMPLETED")
    text = emulator.client.get(_poll(emulator, operation_id)["url"]).text
    return [json.loads(line) for line in text.splitlines()]
