"""A collection edited in the store after the last sync keeps those edits through a push.

The push used to send every field of the local collection and make Shopify's members the local
ones: the merchant's description, sort order, rules and a product added or removed there since
the last pull were overwritten by the push of an unrelated local edit (a title). Now the push
sends only what changed here since the last sync (its recorded base), takes what changed only in
the store, and refuses a field changed on both sides to different values (nothing sent, the
collection's sync error says which and Shopify's value; pushing again then sends ours). Against
the emulator over loopback HTTP.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from product_dashboard.collection.sources import conditions_for
from product_dashboard.product.rules import Rule
from tests.collection.test_sync import (
    Headers,
    graphql,
    on_shopify,
    remote_collections,
    sync,
)
from tests.product.factories import create_product
from tests.sync.conftest import Emulator, emulator, settings

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

__all__ = ["emulator", "settings"]

_UPDATE = (
    "mutation($c: CollectionUpdateInput!) { collectionUpdate(collection: $c) "
    "{ userErrors { message } } }"
)


def _store_update(emulator: Emulator, collection: dict[str, Any]) -> None:
    errors = graphql(emulator, _UPDATE, {"c": collection})["collectionUpdate"]["userErrors"]
    assert errors == []


def _selections(emulator: Emulator, remote_id: str, key: str, gids: list[str]) -> None:
    source_id = graphql(
        emulator, "query($id: ID!) { collection(id: $id) { sources { id } } }", {"id": remote_id}
    )["collection"]["sources"][0]["id"]
    inclusion = {key: [{"productId": gid} for gid in gids]}
    _store_update(
        emulator,
        {
            "id": remote_id,
            "sourcesToUpdate": [{"condition": {"id": source_id, "inclusion": inclusion}}],
        },
    )


def _remote(emulator: Emulator, remote_id: str) -> dict[str, Any]:
    node: dict[str, Any] = graphql(
        emulator,
        "query($id: ID!) { collection(id: $id) { title handle descriptionHtml sortOrder "
        "ruleSet { appliedDisjunctively rules { column relation condition } } "
        "products(first: 50) { nodes { id } } } }",
        {"id": remote_id},
    )["collection"]
    return node


async def test_a_manual_collections_store_edits_survive_a_push_of_a_local_title(
    app: FastAPI, client: httpx.AsyncClient, editor_headers: Headers, emulator: Emulator
) -> None:
    a, b, c = [await on_shopify(app, client, editor_headers, emulator, t) for t in "ABC"]
    made = await client.post(
        "/api/collections",
        json={"title": "Picks", "product_ids": [a["id"], b["id"]], "description_html": "<p>1</p>"},
        headers=editor_headers,
    )
    assert made.status_code == 201, made.text
    manual = made.json()
    await sync(client, editor_headers, "push")
    remote_id = remote_collections(emulator)["picks"]["id"]

    # In the store: a new description, C added and A taken out.
    _store_update(emulator, {"id": remote_id, "descriptionHtml": "<p>From the store</p>"})
    _selections(emulator, remote_id, "selectionsToAdd", [c["gid"]])
    _selections(emulator, remote_id, "selectionsToRemove", [a["gid"]])
    # Here: a new title.
    r = await client.put(
        f"/api/collections/{manual['id']}", json={"title": "Our picks"}, headers=editor_headers
    )
    assert r.status_code == 200, r.text

    report = await sync(client, editor_headers, "push")
    assert report["failed"] == 0, report

    remote = _remote(emulator, remote_id)
    assert remote["title"] == "Our picks"
    assert remote["descriptionHtml"] == "<p>From the store</p>"
    assert sorted(p["id"] for p in remote["products"]["nodes"]) == sorted([b["gid"], c["gid"]])
    local = (await client.get(f"/api/collections/{manual['id']}", headers=editor_headers)).json()
    assert local["title"] == "Our picks" and local["description_html"] == "<p>From the store</p>"


async def test_a_smart_collections_store_rules_survive_and_both_sides_changed_is_refused(
    app: FastAPI, client: httpx.AsyncClient, editor_headers: Headers, emulator: Emulator
) -> None:
    rule = {"column": "TAG", "relation": "EQUALS", "condition": "cotton"}
    made = await client.post(
        "/api/collections", json={"title": "Cotton", "rules": [rule]}, headers=editor_headers
    )
    assert made.status_code == 201, made.text
    smart = made.json()
    await sync(client, editor_headers, "push")
    remote_id = remote_collections(emulator)["cotton"]["id"]
    source_id = graphql(
        emulator, "query($id: ID!) { collection(id: $id) { sources { id } } }", {"id": remote_id}
    )["collection"]["sources"][0]
    [linen] = conditions_for([Rule.model_validate({**rule, "condition": "linen"})], False, "USD")
    _store_update(
        emulator,
        {
            "id": remote_id,
            "sortOrder": "PRICE_DESC",
            "sourcesToUpdate": [
                {
                    "condition": {
                        "id": source_id["id"],
                        "inclusion": {"conditionsToCreate": [linen]},
                    }
                }
            ],
        },
    )
    before = _remote(emulator, remote_id)
    assert len(before["ruleSet"]["rules"]) == 2

    r = await client.put(
        f"/api/collections/{smart['id']}", json={"title": "Cotton things"}, headers=editor_headers
    )
    assert r.status_code == 200, r.text
    report = await sync(client, editor_headers, "push")
    assert report["failed"] == 0, report
    after = _remote(emulator, remote_id)
    assert after["title"] == "Cotton things"
    assert (after["ruleSet"], after["sortOrder"]) == (before["ruleSet"], "PRICE_DESC")

    # Both sides change the title: refused, nothing sent, the reason kept.
    _store_update(emulator, {"id": remote_id, "title": "Theirs"})
    r = await client.put(
        f"/api/collections/{smart['id']}", json={"title": "Ours"}, headers=editor_headers
    )
    report = await sync(client, editor_headers, "push")
    assert report["failed"] == 1, report
    assert _remote(emulator, remote_id)["title"] == "Theirs"
    local = (await client.get(f"/api/collections/{smart['id']}", headers=editor_headers)).json()
    assert local["title"] == "Ours" and local["sync_state"] == "error"
    assert "changed in Shopify and here since the last sync: title" in str(report["errors"])
    # Told once: pushing again sends ours.
    report = await sync(client, editor_headers, "push")
    assert (report["updated"], report["failed"]) == (1, 0), report
    assert _remote(emulator, remote_id)["title"] == "Ours"


async def test_a_pull_keeps_members_not_on_shopify_yet(
    app: FastAPI, client: httpx.AsyncClient, editor_headers: Headers, emulator: Emulator
) -> None:
    a = await on_shopify(app, client, editor_headers, emulator, "Alpha")
    here = await create_product(client, editor_headers, title="Not pushed yet")
    made = await client.post(
        "/api/collections",
        json={"title": "Picks", "product_ids": [a["id"], here["id"]]},
        headers=editor_headers,
    )
    assert made.status_code == 201, made.text
    manual = made.json()
    report = await sync(client, editor_headers, "push")
    assert report["members_not_on_shopify"] == 1, report

    report = await sync(client, editor_headers, "pull")
    assert report["pulled_updated"] == 1, report
    members = await client.get(f"/api/collections/{manual['id']}/products", headers=editor_headers)
    assert members.status_code == 200, members.text
    assert [p["id"] for p in members.json()["items"]] == [a["id"], here["id"]]
