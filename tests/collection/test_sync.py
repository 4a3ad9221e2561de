"""Collections pushed to and pulled from the Shopify store emulator, over loopback HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from product_dashboard.collection import sync as collection_sync
from product_dashboard.models import Product
from tests.batch.helpers import wait_job
from tests.product.factories import create_product
from tests.sync.conftest import API, Emulator, emulator, settings

pytestmark = pytest.mark.integration

__all__ = ["emulator", "settings"]  # fixtures shared with the sync tests

Headers = dict[str, str]


def graphql(emulator: Emulator, query: str, variables: dict[str, Any] | None = None) -> Any:
    body = emulator.http.post(API, json={"query": query, "variables": variables or {}}).json()
    assert "errors" not in body, body
    return body["data"]


def remote_collections(emulator: Emulator) -> dict[str, dict[str, Any]]:
    data = graphql(
        emulator,
        "{ collections(first: 10) { nodes { id handle title ruleSet { appliedDisjunctively "
        "rules { column relation condition } } products(first: 20) { nodes { id } } } } }",
    )
    return {c["handle"]: c for c in data["collections"]["nodes"]}


async def on_shopify(
    app: FastAPI, client: httpx.AsyncClient, headers: Headers, emulator: Emulator, title: str
) -> dict[str, Any]:
    """A local product that Shopify also has (as a push would leave it)."""
    product = await create_product(client, headers, title=title)
    data = graphql(
        emulator,
        "mutation($p: ProductCreateInput) { productCreate(product: $p) { product { id } } }",
        {"p": {"title": title}},
    )
    gid = data["productCreate"]["product"]["id"]
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(
            update(Product).where(Product.id == product["id"]).values(shopify_product_id=gid)
        )
    return {**product, "gid": gid}


async def sync(client: httpx.AsyncClient, headers: Headers, direction: str) -> dict[str, Any]:
    r = await client.post("/api/collections/sync", json={"direction": direction}, headers=headers)
    assert r.status_code == 202, r.text
    job = await wait_job(client, headers, r.json()["job_id"])
    assert job["state"] == "completed", job
    report: dict[str, Any] = job["report"]
    return report


async def test_push_creates_updates_and_deletes(
    app: FastAPI, client: httpx.AsyncClient, editor_headers: Headers, emulator: Emulator
) -> None:
    a = await on_shopify(app, client, editor_headers, emulator, "Alpha")
    b = await on_shopify(app, client, editor_headers, emulator, "Beta")
    local_only = await create_product(client, editor_headers, title="Gamma")
    manual = (
        await client.post(
            "/api/collections",
            json={"title": "Picks", "product_ids": [a["id"], local_only["id"]]},
            headers=editor_headers,
        )
    ).json()
    rule = {"column": "TITLE", "relation": "CONTAINS", "condition": "alp"}
    smart = (
        await client.post(
            "/api/collections", json={"title": "Alphas", "rules": [rule]}, headers=editor_headers
        )
    ).json()
    report = await sync(client, editor_headers, "push")
    assert (report["created"], report["failed"]) == (2, 0), report
    assert report["members_not_on_shopify"] == 1  # Gamma is not on Shopify yet
    remote = remote_collections(emulator)
    assert [p["id"] for p in remote["picks"]["products"]["nodes"]] == [a["gid"]]
    assert remote["alphas"]["ruleSet"]["rules"] == [rule]
    detail = (await client.get(f"/api/collections/{manual['id']}", headers=editor_headers)).json()
    assert detail["sync_state"] == "synced" and detail["shopify_collection_id"]

    # Membership changes go through Shopify's add and (asynchronous) remove operations.
    await client.post(
        f"/api/collections/{manual['id']}/products",
        json={"product_ids": [b["id"]]},
        headers=editor_headers,
    )
    await client.delete(
        f"/api/collections/{manual['id']}/products/{a['id']}", headers=editor_headers
    )
    await client.put(
        f"/api/collections/{smart['id']}", json={"title": "All the alphas"}, headers=editor_headers
    )
    report = await sync(client, editor_headers, "push")
    assert (report["updated"], report["members_added"], report["members_removed"]) == (2, 1, 1)
    remote = remote_collections(emulator)
    assert [p["id"] for p in remote["picks"]["products"]["nodes"]] == [b["gid"]]
    assert remote["alphas"]["title"] == "All the alphas"

    await client.delete(f"/api/collections/{smart['id']}", headers=editor_headers)
    report = await sync(client, editor_headers, "push")
    assert report["deleted"] == 1
    assert "alphas" not in remote_collections(emulator)
    r = await client.get("/api/collections", headers=editor_headers)
    assert [c["title"] for c in r.json()["items"]] == ["Picks"]


async def test_push_reorders_a_manual_collection(
    app: FastAPI, client: httpx.AsyncClient, editor_headers: Headers, emulator: Emulator
) -> None:
    products = [await on_shopify(app, client, editor_headers, emulator, title) for title in "ABCD"]
    ids = [p["id"] for p in products]
    manual = (
        await client.post(
            "/api/collections",
            json={"title": "Ordered", "product_ids": ids},
            headers=editor_headers,
        )
    ).json()
    await sync(client, editor_headers, "push")
    wanted = [products[i] for i in (3, 0, 2, 1)]
    r = await client.put(
        f"/api/collections/{manual['id']}/products/order",
        json={"product_ids": [p["id"] for p in wanted]},
        headers=editor_headers,
    )
    assert r.status_code == 204, r.text

    report = await sync(client, editor_headers, "push")

    assert report["failed"] == 0 and report["members_moved"] > 0, report
    remote = remote_collections(emulator)["ordered"]
    assert [p["id"] for p in remote["products"]["nodes"]] == [p["gid"] for p in wanted]
    again = await sync(client, editor_headers, "push")
    assert again["members_moved"] == 0  # nothing to push: the collection is synced


async def test_pull_creates_updates_and_keeps_unpushed_edits(
    app: FastAPI, client: httpx.AsyncClient, editor_headers: Headers, emulator: Emulator
) -> None:
    a = await on_shopify(app, client, editor_headers, emulator, "Alpha")
    graphql(
        emulator,
        "mutation($i: CollectionInput!) { collectionCreate(input: $i) { collection { id } } }",
        {"i": {"title": "Remote Picks", "products": [a["gid"]]}},
    )
    graphql(
        emulator,
        "mutation($i: CollectionInput!) { collectionCreate(input: $i) { collection { id } } }",
        {
            "i": {
                "title": "Remote Smart",
                "ruleSet": {
                    "appliedDisjunctively": True,
                    "rules": [{"column": "TAG", "relation": "EQUALS", "condition": "cotton"}],
                },
            }
        },
    )
    report = await sync(client, editor_headers, "pull")
    assert report["pulled_created"] == 2, report
    collections = {
        c["title"]: c
        for c in (await client.get("/api/collections", headers=editor_headers)).json()["items"]
    }
    picks, smart = collections["Remote Picks"], collections["Remote Smart"]
    assert picks["collection_type"] == "manual" and picks["products_count"] == 1
    assert picks["sync_state"] == "synced"
    assert smart["collection_type"] == "smart" and smart["disjunctive"] is True
    assert smart["products_count"] == 1  # the local tee-shaped product is tagged cotton

    # A local edit not pushed yet is not overwritten by a pull.
    await client.put(
        f"/api/collections/{picks['id']}", json={"title": "Mine"}, headers=editor_headers
    )
    report = await sync(client, editor_headers, "pull")
    assert report["pulled_skipped"] == 1 and report["pulled_updated"] == 1
    mine = (await client.get(f"/api/collections/{picks['id']}", headers=editor_headers)).json()
    assert mine["title"] == "Mine" and mine["sync_state"] == "pending"


async def test_sync_requires_a_writer(client: httpx.AsyncClient, viewer_headers: Headers) -> None:
    r = await client.post("/api/collections/sync", headers=viewer_headers)
    assert r.status_code == 403


SOURCES = (
    "{ collections(first: 10) { nodes { handle sources { ... on CollectionConditionsSource { "
    "inclusion { matchType conditions { __typename "
    "... on CollectionSourceInclusionConditionVariantPrice { price: relation "
    "priceValue: value { amount currencyCode } } "
    "... on CollectionSourceInclusionConditionVariantWeight { weight: relation "
    "weightValue: value { unit value } } } } } } } } }"
)


async def test_rules_2026_10_cannot_express_are_refused_per_collection_and_kept(
    client: httpx.AsyncClient, editor_headers: Headers, emulator: Emulator
) -> None:
    unsayable = [
        [{"column": "TYPE", "relation": "IS_SET", "condition": ""}],
        [{"column": "VENDOR", "relation": "IS_NOT_SET", "condition": ""}],
        [{"column": "IS_PRICE_REDUCED", "relation": "IS_SET", "condition": ""}],
        [{"column": "VARIANT_INVENTORY", "relation": "NOT_EQUALS", "condition": "0"}],
        [{"column": "VARIANT_WEIGHT", "relation": "IS_SET", "condition": ""}],
    ]
    refused = []
    for index, rules in enumerate(unsayable):
        r = await client.post(
            "/api/collections",
            json={"title": f"Refused {index}", "rules": rules},
            headers=editor_headers,
        )
        assert r.status_code == 201, r.text
        refused.append((r.json()["id"], rules))
    sayable = {"column": "TAG", "relation": "EQUALS", "condition": "cotton"}
    both = [sayable, {"column": "IS_PRICE_REDUCED", "relation": "IS_NOT_SET", "condition": ""}]
    mixed = (
        await client.post(
            "/api/collections", json={"title": "Mixed", "rules": both}, headers=editor_headers
        )
    ).json()
    fine = (
        await client.post(
            "/api/collections", json={"title": "Fine", "rules": [sayable]}, headers=editor_headers
        )
    ).json()

    report = await sync(client, editor_headers, "push")

    assert (report["created"], report["failed"]) == (1, len(unsayable) + 1), report
    errors = {e["collection_id"]: e["error"] for e in report["errors"]}
    assert errors[mixed["id"]] == (
        "Admin API 2026-10 has no collection condition for: IS_PRICE_REDUCED IS_NOT_SET ''"
    )
    assert errors[refused[3][0]].endswith("VARIANT_INVENTORY NOT_EQUALS '0'")
    assert fine["id"] not in errors
    assert set(remote_collections(emulator)) == {"fine"}  # nothing half-pushed
    for collection_id, rules in [*refused, (mixed["id"], both)]:
        detail = (
            await client.get(f"/api/collections/{collection_id}", headers=editor_headers)
        ).json()
        assert detail["rules"] == rules  # the local rules are exactly as they were
        assert detail["sync_state"] == "error" and detail["shopify_collection_id"] is None


async def test_money_and_weight_rules_round_trip_with_currency_unit_and_wording(
    client: httpx.AsyncClient, editor_headers: Headers, emulator: Emulator
) -> None:
    rules = [
        {"column": "VARIANT_PRICE", "relation": "LESS_THAN", "condition": "20.00"},
        {"column": "VARIANT_WEIGHT", "relation": "GREATER_THAN", "condition": "1.5 kg"},
    ]
    created = (
        await client.post(
            "/api/collections",
            json={"title": "Heavy bargains", "rules": rules, "disjunctive": True},
            headers=editor_headers,
        )
    ).json()
    report = await sync(client, editor_headers, "both")
    assert report["failed"] == 0 and report["created"] == 1, report
    [remote] = graphql(emulator, SOURCES)["collections"]["nodes"]
    inclusion = remote["sources"][0]["inclusion"]
    assert inclusion["matchType"] == "ANY"
    assert inclusion["conditions"][0]["priceValue"] == {"amount": "20.0", "currencyCode": "USD"}
    assert inclusion["conditions"][1]["weightValue"] == {"unit": "KILOGRAMS", "value": 1.5}
    detail = (await client.get(f"/api/collections/{created['id']}", headers=editor_headers)).json()
    assert detail["rules"] == rules  # pulled back unchanged, wording included
    assert detail["sync_state"] == "synced"

    changed = [{**rules[0], "condition": "25"}, rules[1]]
    await client.put(
        f"/api/collections/{created['id']}", json={"rules": changed}, headers=editor_headers
    )
    report = await sync(client, editor_headers, "push")
    assert report["updated"] == 1 and report["failed"] == 0, report
    [remote] = graphql(emulator, SOURCES)["collections"]["nodes"]
    conditions = remote["sources"][0]["inclusion"]["conditions"]
    assert [
        c["__typename"].removeprefix("CollectionSourceInclusionCondition") for c in conditions
    ] == [
        "VariantPrice",
        "VariantWeight",
    ]
    assert conditions[0]["priceValue"]["amount"] == "25.0"


async def test_a_push_never_removes_a_shopify_member_the_dashboard_has_no_product_for(
    app: FastAPI, client: httpx.AsyncClient, editor_headers: Headers, emulator: Emulator
) -> None:
    a = await on_shopify(app, client, editor_headers, emulator, "Alpha")
    b = await on_shopify(app, client, editor_headers, emulator, "Beta")
    manual = (
        await client.post(
            "/api/collections",
            json={"title": "Picks", "product_ids": [a["id"], b["id"]]},
            headers=editor_headers,
        )
    ).json()
    await sync(client, editor_headers, "push")
    stranger = graphql(
        emulator,
        "mutation($p: ProductCreateInput) { productCreate(product: $p) { product { id } } }",
        {"p": {"title": "Made in Shopify's admin"}},
    )["productCreate"]["product"]["id"]
    remote_id = remote_collections(emulator)["picks"]["id"]
    source_id = graphql(
        emulator, "query($id: ID!) { collection(id: $id) { sources { id } } }", {"id": remote_id}
    )["collection"]["sources"][0]["id"]
    graphql(
        emulator,
        "mutation($c: CollectionUpdateInput!) { collectionUpdate(collection: $c) "
        "{ userErrors { message } } }",
        {
            "c": {
                "id": remote_id,
                "sourcesToUpdate": [
                    {
                        "condition": {
                            "id": source_id,
                            "inclusion": {"selectionsToAdd": [{"productId": stranger}]},
                        }
                    }
                ],
            }
        },
    )
    await client.delete(
        f"/api/collections/{manual['id']}/products/{a['id']}", headers=editor_headers
    )

    report = await sync(client, editor_headers, "push")

    assert (report["members_removed"], report["members_kept_unknown"]) == (1, 1), report
    members = [p["id"] for p in remote_collections(emulator)["picks"]["products"]["nodes"]]
    assert members == [b["gid"], stranger]


async def test_a_shopify_collection_whose_rules_have_no_local_form_is_not_pulled(
    client: httpx.AsyncClient, editor_headers: Headers, emulator: Emulator
) -> None:
    graphql(
        emulator,
        "mutation($i: CollectionInput!) { collectionCreate(input: $i) { collection { id } } }",
        {
            "i": {
                "title": "On sale",
                "ruleSet": {
                    "appliedDisjunctively": False,
                    "rules": [
                        {"column": "IS_PRICE_REDUCED", "relation": "IS_SET", "condition": "true"}
                    ],
                },
            }
        },
    )
    report = await sync(client, editor_headers, "pull")
    assert (report["pulled_created"], report["pulled_skipped"]) == (0, 1), report
    [error] = report["errors"]
    assert error["error"] == "Not pulled: a Unknown condition"
    listed = (await client.get("/api/collections", headers=editor_headers)).json()["items"]
    assert listed == []


async def test_members_past_one_call_are_added_after_the_create(
    app: FastAPI,
    client: httpx.AsyncClient,
    editor_headers: Headers,
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(collection_sync, "MEMBERS_PER_CALL", 2)  # Shopify's is 250
    products = [await on_shopify(app, client, editor_headers, emulator, t) for t in "ABCDE"]
    await client.post(
        "/api/collections",
        json={"title": "Five", "product_ids": [p["id"] for p in products]},
        headers=editor_headers,
    )
    report = await sync(client, editor_headers, "push")
    assert (report["created"], report["members_added"], report["failed"]) == (1, 5, 0), report
    members = [p["id"] for p in remote_collections(emulator)["five"]["products"]["nodes"]]
    assert members == [p["gid"] for p in products]
