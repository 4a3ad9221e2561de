"""A pull's counters and its results file say the same of each product. One whose fields only
became known (Shopify's defaults of fields a push never sent, read by the first pull of a
product made here: nothing here replaced) is unchanged for the job (skipped), its results row
says `learned` (not `updated`), the report counts it under `learned`, and an undo has nothing
of it to take back; a product Shopify changed is `updated` in both."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.sync.pull.conftest import Store
from tests.sync.pull.test_pull_undo import finished, undo
from tests.sync.test_push_preview import all_results

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


async def _job(client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]) -> Any:
    response = await client.post("/api/sync/parallel/start", json=body, headers=headers)
    assert response.status_code == 202, response.text
    return await finished(client, headers, response.json()["job_id"])


async def test_a_pull_that_only_learned_fields_counts_them_as_the_results_say(
    client: httpx.AsyncClient, editor_headers: dict[str, str], store: Store
) -> None:
    made: list[int] = []
    for title in ("Linen Shirt", "Wool Scarf"):
        response = await client.post(
            "/api/products",
            json={"title": title, "variants": [{"price": "30.00"}]},
            headers=editor_headers,
        )
        assert response.status_code == 201, response.text
        made.append(response.json()["id"])
    pushed = await _job(client, editor_headers, {"direction": "push", "mode": "sequential"})
    assert pushed["progress"]["failed"] == 0, pushed
    scarf = (await client.get(f"/api/products/{made[1]}", headers=editor_headers)).json()
    await store.edit(scarf["sync"]["shopify_product_id"], title="Wool Scarf, renamed in Shopify")

    preview = await _job(
        client, editor_headers, {"direction": "pull", "only_changed": False, "dry_run": True}
    )
    previewed = await all_results(client, editor_headers, preview["id"], "preview")
    assert {r["product_id"]: r["action"] for r in previewed} == {
        made[0]: "learned",
        made[1]: "updated",
    }

    pull = await _job(client, editor_headers, {"direction": "pull", "only_changed": False})

    rows = {
        r["product_id"]: r for r in await all_results(client, editor_headers, pull["id"], "done")
    }
    assert (rows[made[0]]["action"], rows[made[1]]["action"]) == ("learned", "updated")
    report = pull["report"]
    assert (report["updated"], report["unchanged"], report["learned"]) == (1, 1, 1), report
    # The counters say what the rows say: one product changed here, one unchanged.
    progress = pull["progress"]
    assert (progress["done"], progress["skipped"], progress["failed"]) == (1, 1, 0), progress
    learned = rows[made[0]]["changes"]
    assert learned and all(c["old"] is None for c in learned)  # read, nothing replaced

    _, preview = await undo(client, editor_headers, pull["id"], dry_run=True)
    assert preview["restored_products"] == 1  # the rename only
    reasons = {n["product_id"]: n["reason"] for n in preview["not_restored"]}
    assert "replaced nothing here" in reasons[made[0]]
