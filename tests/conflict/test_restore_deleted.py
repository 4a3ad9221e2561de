"""A product deleted in Shopify (by mistake, or by another app) is deleted here too, but kept whole
in its audit entry: `POST /api/products/restore` makes it again, unlinked, and the next push
creates it in Shopify field for field. Against the emulator over loopback HTTP, on both
databases, with awkward values."""

from __future__ import annotations

from typing import Any

import pytest

from product_dashboard.auth import service as auth_service
from product_dashboard.config import Settings
from product_dashboard.inventory.remote_locations import refresh_locations
from product_dashboard.models import Role
from product_dashboard.shopify.documents import PRODUCT_DELETE
from tests.fixtures.app import PASSWORD
from tests.inbound.harness import Harness, running_harness

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

HANDLE = "überjacke-ß-雪"
DESCRIPTION = '<p style="color:#333;font-size:1.2em" data-x="1">Warm <b>wool</b><!-- keep --></p>'
# Left out when the store's reads are compared: ids and clocks are the store's own.
_STORE_OWN = {"id", "legacyResourceId", "createdAt", "updatedAt", "publishedAt"}


def _awkward_product() -> dict[str, Any]:
    return {
        "title": "Überjacke „Schnee“ 雪",
        "handle": HANDLE,
        "description_html": DESCRIPTION,
        "vendor": "Ökö & Co",
        "product_type": "Jackets",
        "status": "active",
        "tags": ["winter", "wool"],
        "seo_title": "Überjacke | Shop",
        "template_suffix": "jackets",
        "gift_card_template_suffix": "geschenk",
        "requires_selling_plan": False,
        "options": [{"name": "Size", "values": ["S", "s"]}],  # case-only values: two variants
        "variants": [
            {
                "option_values": ["S"],
                "price": "120.00",
                "compare_at_price": "150.00",
                "sku": "UJ-S",
                "barcode": "0001",
                "weight_value": "0.5",
                "weight_unit": "GRAMS",
                "show_unit_price": True,
                "requires_components": False,
                "province_code_of_origin": "BY",
                "country_hs_codes": [
                    {"country_code": "US", "harmonized_system_code": "6201.30.3010"},
                    {"country_code": "CH", "harmonized_system_code": "6201.3000"},
                ],
                "extra_columns": {"Google Shopping / Gender": "Unisex"},
                "metafields": [
                    {
                        "namespace": "custom",
                        "key": "fit",
                        "type": "single_line_text_field",
                        "value": "slim",
                    }
                ],
            },
            {
                "option_values": ["s"],
                "price": "119.50",
                "sku": "UJ-s",
                "weight_value": "0.5",
                "weight_unit": "GRAMS",
            },
        ],
        "images": [{"src": "https://example.com/jacke-1.jpg", "alt": "Vorne „front“"}],
        "metafields": [
            {
                "namespace": "custom",
                "key": "material",
                "type": "multi_line_text_field",
                "value": "Wolle\n100 %",
            }
        ],
        "extra_columns": {"Google Shopping / Condition": "new"},
    }


def _without_store_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_store_ids(v) for k, v in value.items() if k not in _STORE_OWN}
    if isinstance(value, list):
        return [_without_store_ids(v) for v in value]
    if isinstance(value, str) and value.startswith("gid://shopify/"):
        return "gid"
    return value


def _local(product: dict[str, Any]) -> dict[str, Any]:
    """A product as the API reads it, without what its re-creation changes: ids, versions,
    Shopify ids and sync state, clocks."""
    own = {"id", "version", "created_at", "updated_at", "synced_at", "synced_version"}
    own |= {"shopify_product_id", "shopify_variant_id", "shopify_media_id", "sync_state"}
    own |= {"shopify_metafield_id", "media_status", "shopify_updated_at", "sync_error"}
    own |= {"media_complete", "metafields_complete", "variant_metafields_complete"}
    own |= {"sync", "synced_snapshot", "media_content_type"}

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in own}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    stripped: dict[str, Any] = strip(product)
    return stripped


async def _stock(h: Harness, product_id: int) -> list[tuple[str, int, int | None]]:
    response = await h.api("GET", f"/api/products/{product_id}/stock")
    assert response.status_code == 200, response.text
    return [
        (variant["title"], level["location_id"], level["available"])
        for variant in response.json()["variants"]
        for level in variant["levels"]
    ]


async def _three_locations(h: Harness) -> list[int]:
    await h.emulator("/_emulator/seed", {"products": 0, "locations": 3})
    async with h.sessions() as session, session.begin():
        ids = await refresh_locations(session, h.shopify)
    assert len(ids) == 3
    return sorted(ids.values())


async def _viewer(h: Harness) -> dict[str, str]:
    async with h.sessions() as session, session.begin():
        await auth_service.create_user(session, "viewer@example.com", PASSWORD, Role.viewer)
    login = await h.http.post(
        f"{h.app_url}/api/auth/login", json={"email": "viewer@example.com", "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def _deleted_in_shopify(h: Harness, product_id: int) -> dict[str, Any]:
    listed = await h.api("GET", "/api/products/deleted")
    assert listed.status_code == 200, listed.text
    [entry] = [e for e in listed.json()["items"] if e["product_id"] == product_id]
    return dict(entry)


async def test_a_product_deleted_in_shopify_is_restored_and_pushed_back_field_for_field(
    settings: Settings,
) -> None:
    async with running_harness(settings) as h:
        locations = await _three_locations(h)
        product_id = await h.create_product(**_awkward_product())
        variants = (await h.api("GET", f"/api/products/{product_id}")).json()["variants"]
        levels = [
            {"variant_id": v["id"], "location_id": location, "available": n}
            for v, location, n in [
                (variants[0], locations[0], 4),
                (variants[0], locations[1], 0),
                (variants[0], locations[2], 9),
                (variants[1], locations[1], 2),
            ]
        ]
        stocked = await h.api("PUT", f"/api/products/{product_id}/stock", json={"levels": levels})
        assert stocked.status_code == 200, stocked.text
        shopify_id = await h.push_and_settle(product_id)
        before = (await h.api("GET", f"/api/products/{product_id}")).json()
        stock_before = await _stock(h, product_id)
        remote_before = await h.remote_product(shopify_id)

        response = await h.shopify.execute(PRODUCT_DELETE, {"id": shopify_id})
        assert response.data["productDelete"]["deletedProductId"] == shopify_id
        [event] = await h.wait_processed(shopify_id, 1, topic="products/delete")
        assert event.outcome == "deleted"
        assert (await h.api("GET", f"/api/products/{product_id}")).status_code == 404
        entry = await _deleted_in_shopify(h, product_id)
        assert entry["restorable"] and entry["restored_product_id"] is None, entry
        assert (entry["handle"], entry["shopify_product_id"]) == (HANDLE, shopify_id)
        body = {"audit_id": entry["audit_id"]}

        viewer = await _viewer(h)
        refused = await h.http.post(f"{h.app_url}/api/products/restore", json=body, headers=viewer)
        assert refused.status_code == 403, refused.text

        preview = await h.api("POST", "/api/products/restore", json={**body, "dry_run": True})
        assert preview.status_code == 200, preview.text
        assert preview.json()["product_id"] is None and preview.json()["handle"] == HANDLE
        paths = {c["path"] for c in preview.json()["changes"]}
        assert {"title", "description_html", "variants[S]", "variants[s]"} <= paths
        assert len([p for p in paths if p.startswith("stock[")]) >= len(levels)
        assert (await _deleted_in_shopify(h, product_id))["restored_product_id"] is None

        restored = await h.api("POST", "/api/products/restore", json=body)
        assert restored.status_code == 201, restored.text
        new_id = restored.json()["product_id"]
        again = await h.api("POST", "/api/products/restore", json=body)
        assert again.status_code == 409, again.text
        assert "already restored" in again.json()["detail"]
        assert (await _deleted_in_shopify(h, product_id))["restored_product_id"] == new_id

        back = (await h.api("GET", f"/api/products/{new_id}")).json()
        assert back["sync"]["shopify_product_id"] is None  # unlinked: Shopify no longer has it
        for name in set(before) | set(back):
            if name != "variants":
                assert _local(back).get(name) == _local(before).get(name), name
        for old, new in zip(_local(before)["variants"], _local(back)["variants"], strict=True):
            for name in sorted(set(old) | set(new)):
                assert (name, new.get(name)) == (name, old.get(name))
        assert back["gift_card_template_suffix"] == "geschenk"
        assert back["variants"][0]["country_hs_codes"] == [  # by country
            {"country_code": "CH", "harmonized_system_code": "6201.3000"},
            {"country_code": "US", "harmonized_system_code": "6201.30.3010"},
        ]
        assert [(v["weight_value"], v["weight_unit"]) for v in back["variants"]] == [
            ("0.5", "GRAMS"),
            ("0.5", "GRAMS"),
        ]
        assert await _stock(h, new_id) == stock_before

        new_shopify_id = await h.push(new_id)
        assert new_shopify_id != shopify_id
        remote_after = await h.remote_product(new_shopify_id)
        assert _without_store_ids(remote_after) == _without_store_ids(remote_before)


async def test_a_restore_whose_handle_was_taken_meanwhile_is_refused(settings: Settings) -> None:
    async with running_harness(settings) as h:
        product_id = await h.create_product(handle="taken-later")
        shopify_id = await h.push_and_settle(product_id)
        response = await h.shopify.execute(PRODUCT_DELETE, {"id": shopify_id})
        assert response.data["productDelete"]["deletedProductId"] == shopify_id
        await h.wait_processed(shopify_id, 1, topic="products/delete")
        other = await h.create_product(handle="taken-later", title="Another")
        entry = await _deleted_in_shopify(h, product_id)

        for dry_run in (True, False):
            refused = await h.api(
                "POST",
                "/api/products/restore",
                json={"audit_id": entry["audit_id"], "dry_run": dry_run},
            )
            assert refused.status_code == 409, refused.text
            assert refused.json()["product_id"] == other
        missing = await h.api("POST", "/api/products/restore", json={"audit_id": 10**9})
        assert missing.status_code == 404, missing.text
