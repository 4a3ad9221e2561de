from __future__ import annotations

import httpx
import pytest

from tests.batch.helpers import fetch, priced_product, wait_job

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Headers = dict[str, str]


async def test_create_validates_then_process_runs_items_as_a_job(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    a = await priced_product(client, editor_headers, "A", "10.00", status="draft", tags=["old"])
    b = await priced_product(client, editor_headers, "B", "20.00", status="draft")
    manual = (
        await client.post("/api/collections", json={"title": "Picks"}, headers=editor_headers)
    ).json()
    body = {
        "name": "Spring launch",
        "operations": [
            {
                "type": "update_status",
                "product_ids": [a["id"], b["id"]],
                "params": {"status": "active"},
            },
            {
                "type": "update_pricing",
                "product_ids": [a["id"]],
                "params": {"operation": "increase", "percent": "10"},
            },
            {
                "type": "add_tags",
                "product_ids": [a["id"], b["id"]],
                "params": {"tags": ["spring", "OLD"]},
            },
            {"type": "remove_tags", "product_ids": [a["id"]], "params": {"tags": ["old"]}},
            {"type": "update_fields", "product_ids": [b["id"]], "params": {"vendor": "Bloom"}},
            {
                "type": "add_to_collection",
                "product_ids": [b["id"]],
                "params": {"collection_id": manual["id"]},
            },
            {
                "type": "update_pricing",
                "product_ids": [b["id"]],
                "params": {"operation": "decrease", "amount": "50"},
            },
        ],
    }
    r = await client.post("/api/batch/create", json=body, headers=editor_headers)
    assert r.status_code == 201, r.text
    batch = r.json()
    assert batch["state"] == "created" and batch["total_items"] == 9
    r = await client.post(f"/api/batch/{batch['id']}/process", headers=editor_headers)
    assert r.status_code == 202 and r.json()["state"] == "queued"
    job = await wait_job(client, editor_headers, r.json()["job_id"])
    assert job["state"] == "completed", job
    status = (
        await client.get(f"/api/batch/{batch['id']}/status?per_page=20", headers=editor_headers)
    ).json()
    assert status["state"] == "completed_with_errors"
    assert (status["processed_items"], status["failed_items"], status["percent"]) == (9, 1, 100.0)
    states = [(i["operation"], i["state"]) for i in status["items"]["items"]]
    assert states[-1] == ("update_pricing", "failed")
    assert "negative price" in status["items"]["items"][-1]["error"]
    assert all(s == "succeeded" for _, s in states[:-1])
    assert all(i["duration_ms"] is not None for i in status["items"]["items"])

    fresh_a, fresh_b = (
        await fetch(client, editor_headers, a["id"]),
        await fetch(client, editor_headers, b["id"]),
    )
    assert fresh_a["status"] == "active" and fresh_a["variants"][0]["price"] == "11.00"
    assert fresh_a["tags"] == ["spring"]
    assert fresh_b["tags"] == ["cotton", "summer", "spring", "OLD"] and fresh_b["vendor"] == "Bloom"
    assert fresh_b["variants"][0]["price"] == "20.00"
    members = (
        await client.get(f"/api/collections/{manual['id']}/products", headers=editor_headers)
    ).json()
    assert [p["id"] for p in members["items"]] == [b["id"]]

    r = await client.post(f"/api/batch/{batch['id']}/process", headers=editor_headers)
    assert r.status_code == 409
    stats = (await client.get("/api/batch/stats", headers=editor_headers)).json()
    assert stats["batches"] == 1 and stats["by_state"] == {"completed_with_errors": 1}
    assert (stats["items_processed"], stats["items_failed"]) == (9, 1)
    assert stats["failure_rate"] == round(1 / 9, 4)
    assert stats["mean_item_duration_ms"] > 0 and stats["mean_batch_duration_seconds"] >= 0


async def test_create_refuses_invalid_batches(
    client: httpx.AsyncClient, editor_headers: Headers, viewer_headers: Headers
) -> None:
    a = await priced_product(client, editor_headers, "A", "1.00")
    smart = (
        await client.post(
            "/api/collections",
            json={
                "title": "S",
                "rules": [{"column": "TAG", "relation": "EQUALS", "condition": "x"}],
            },
            headers=editor_headers,
        )
    ).json()
    bad = [
        {"name": "x", "operations": []},
        {"name": "x", "operations": [{"type": "explode", "product_ids": [a["id"]]}]},
        {
            "name": "x",
            "operations": [
                {"type": "update_status", "product_ids": [a["id"]], "params": {"status": "gone"}}
            ],
        },
        {
            "name": "x",
            "operations": [
                {
                    "type": "update_status",
                    "product_ids": [a["id"], 99999],
                    "params": {"status": "active"},
                }
            ],
        },
        {
            "name": "x",
            "operations": [
                {
                    "type": "add_to_collection",
                    "product_ids": [a["id"]],
                    "params": {"collection_id": smart["id"]},
                }
            ],
        },
        {
            "name": "x",
            "operations": [
                {"type": "update_pricing", "product_ids": [a["id"]], "params": {"operation": "set"}}
            ],
        },
    ]
    for body in bad:
        r = await client.post("/api/batch/create", json=body, headers=editor_headers)
        assert r.status_code == 422, body
    ok = {"name": "x", "operations": [{"type": "delete", "product_ids": [a["id"]]}]}
    assert (
        await client.post("/api/batch/create", json=ok, headers=viewer_headers)
    ).status_code == 403
    stats = (await client.get("/api/batch/stats", headers=viewer_headers)).json()
    assert stats["batches"] == 0 and stats["failure_rate"] is None
    assert (await client.get("/api/batch/nope/status", headers=viewer_headers)).status_code == 404
