from __future__ import annotations

import httpx
import pytest

from tests.product.factories import create_product

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Headers = dict[str, str]


async def _suggested(
    client: httpx.AsyncClient, headers: Headers, field: str, q: str = ""
) -> list[dict[str, object]]:
    r = await client.get(
        "/api/products/suggestions", params={"field": field, "q": q}, headers=headers
    )
    assert r.status_code == 200, r.text
    items: list[dict[str, object]] = r.json()
    return items


async def test_tag_suggestions_any_case_with_counts_and_the_filter_they_apply(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    await create_product(client, editor_headers, title="A", tags=["Summer", "linen"])
    await create_product(client, editor_headers, title="B", tags=["summer"])
    gone = await create_product(client, editor_headers, title="C", tags=["summer", "wool"])
    await client.delete(f"/api/products/{gone['id']}", headers=editor_headers)

    assert await _suggested(client, editor_headers, "tag") == [
        {"value": "Summer", "count": 2},
        {"value": "linen", "count": 1},
    ]
    assert await _suggested(client, editor_headers, "tag", "UMM") == [
        {"value": "Summer", "count": 2}
    ]
    assert await _suggested(client, editor_headers, "tag", "%") == []
    listed = await client.get("/api/products", params={"tag": "Summer"}, headers=editor_headers)
    assert listed.json()["total"] == 2


async def test_collection_suggestions_carry_the_id_the_filter_takes(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    a = await create_product(client, editor_headers, title="A", vendor="Acme")
    await create_product(client, editor_headers, title="B", vendor="Acme")
    await create_product(client, editor_headers, title="C", vendor="Other")
    r = await client.post(
        "/api/collections",
        json={
            "title": "Acme things",
            "collection_type": "smart",
            "rules": [{"column": "VENDOR", "relation": "EQUALS", "condition": "Acme"}],
        },
        headers=editor_headers,
    )
    assert r.status_code == 201, r.text
    smart = r.json()
    r = await client.post(
        "/api/collections",
        json={"title": "Picked by hand", "collection_type": "manual", "product_ids": [a["id"]]},
        headers=editor_headers,
    )
    assert r.status_code == 201, r.text
    manual = r.json()

    assert await _suggested(client, editor_headers, "collection", "") == [
        {"value": "Acme things", "count": 2, "id": smart["id"]},
        {"value": "Picked by hand", "count": 1, "id": manual["id"]},
    ]
    assert await _suggested(client, editor_headers, "collection", "PICK") == [
        {"value": "Picked by hand", "count": 1, "id": manual["id"]}
    ]
    listed = await client.get(
        "/api/products", params={"collection_id": smart["id"]}, headers=editor_headers
    )
    assert listed.json()["total"] == 2
