"""A product without options, stored here as Shopify shows it ("Title: Default Title", as the demo
catalog and Shopify's CSV files hold it) or with none, whose variant fields the dashboard never
knew (requires shipping, tracked) learns them from its first pull after a push: Shopify's values
are no conflict and nothing to merge. Its variant was keyed "Default Title" here and "" in the
base and Shopify's read, so every such field was taken as changed on both sides (the demo's
push then pull opened 56 conflicts)."""

from __future__ import annotations

from typing import Any

import pytest

from product_dashboard.config import Settings
from tests.inbound.harness import Harness, running_harness

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


async def _pull(h: Harness) -> dict[str, Any]:
    response = await h.api(
        "POST", "/api/sync/parallel/start", json={"direction": "pull", "mode": "auto"}
    )
    assert response.status_code == 202, response.text
    job = await h.wait_job(response.json()["job_id"])
    assert job["state"] == "completed", job
    return job


@pytest.mark.parametrize(
    "options",
    [
        [{"name": "Title", "values": ["Default Title"]}],
        [],
    ],
    ids=["default-title-option", "no-options"],
)
async def test_a_default_variants_unknown_fields_are_learned_not_conflicts(
    settings: Settings, options: list[dict[str, Any]]
) -> None:
    async with running_harness(settings) as h:
        variant: dict[str, Any] = {
            "price": "12.50",
            "sku": "TEA-1",
            "inventory_quantity": 7,
            "weight_grams": 250,
            "barcode": "4006381333931",
            "compare_at_price": "15.00",
        }
        if options:
            variant["option_values"] = ["Default Title"]
        product_id = await h.create_product(
            title="Thé vert «Sencha»", options=options, variants=[variant]
        )
        response = await h.api(
            "POST",
            "/api/sync/parallel/start",
            json={"direction": "push", "mode": "sequential", "product_ids": [product_id]},
        )
        assert response.status_code == 202, response.text
        assert (await h.wait_job(response.json()["job_id"]))["state"] == "completed"
        await h.settle()
        job = await _pull(h)
        # Shopify holds what was pushed: nothing to merge (what it told was learned).
        assert job["progress"]["done"] == 0, job
        after = (await h.api("GET", f"/api/products/{product_id}")).json()
        conflicts = (await h.api("GET", "/api/conflicts", params={"state": "open"})).json()
        assert conflicts["total"] == 0, conflicts["items"]
        [learned] = after["variants"]
        assert learned["requires_shipping"] is True
        assert learned["option_values"] == (["Default Title"] if options else [])

        # A change made in Shopify later is merged, not a conflict.
        product = await h.product(product_id)
        assert product.shopify_product_id is not None
        await h.merchant_edit(product.shopify_product_id, title="Thé vert «Sencha» bio")
        await _pull(h)
        conflicts = (await h.api("GET", "/api/conflicts", params={"state": "open"})).json()
        assert conflicts["total"] == 0, conflicts["items"]
        merged = (await h.api("GET", f"/api/products/{product_id}")).json()
        assert merged["title"] == "Thé vert «Sencha» bio"
        assert merged["options"] == after["options"]
