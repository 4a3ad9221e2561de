"""Webhooks, staged uploads and bulk operations wired into the running emulator."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest

from tests.fixtures.waiting import wait_for
from tests.shopify_emulator.conftest import Emulator, WebhookSink, start_emulator

pytestmark = pytest.mark.integration

SECRET = "emulator-webhook-secret"


def subscribe(emulator: Emulator, topic: str, url: str) -> dict[str, Any]:
    payload: dict[str, Any] = emulator.data(
        "mutation($topic: WebhookSubscriptionTopic!, $url: URL!) { webhookSubscriptionCreate("
        "topic: $topic, webhookSubscription: {callbackUrl: $url, format: JSON}) "
        "{ webhookSubscription { id topic endpoint { ... on WebhookHttpEndpoint { callbackUrl } } }"
        " userErrors { field message } } }",
        {"topic": topic, "url": url},
    )["webhookSubscriptionCreate"]
    assert payload["userErrors"] == []
    return payload["webhookSubscription"]


def test_merchant_edit_fires_a_signed_products_update(
    emulator: Emulator, webhook_sink: tuple[WebhookSink, str]
) -> None:
    sink, url = webhook_sink
    subscription = subscribe(emulator, "PRODUCTS_UPDATE", url)
    assert subscription["endpoint"] == {"callbackUrl": url}
    listed = emulator.data("{ webhookSubscriptions(first: 5) { nodes { id topic } } }")
    assert listed["webhookSubscriptions"]["nodes"] == [
        {"id": subscription["id"], "topic": "PRODUCTS_UPDATE"}
    ]
    product = emulator.data(
        'mutation { productCreate(product: {title: "Lamp", tags: ["a"]}) { product { id } } }'
    )["productCreate"]["product"]
    emulator.knob(f"products/{product['id']}/edit", {"title": "Desk Lamp", "price": "12"})
    wait_for(lambda: len(sink.received) == 1)
    delivery = sink.received[0]
    assert delivery.headers["x-shopify-topic"] == "products/update"
    assert delivery.headers["x-shopify-shop-domain"] == "emulator-store.myshopify.com"
    expected = base64.b64encode(hmac.new(SECRET.encode(), delivery.body, hashlib.sha256).digest())
    assert delivery.headers["x-shopify-hmac-sha256"] == expected.decode()
    body = json.loads(delivery.body)
    assert body["admin_graphql_api_id"] == product["id"]
    assert body["title"] == "Desk Lamp"
    assert body["variants"][0]["price"] == "12.00"
    assert body["status"] == "active"

    def stats() -> Any:
        return emulator.client.get("/_emulator/stats").json()

    # The sink records a delivery before it answers; the emulator counts it once it has the answer.
    wait_for(lambda: stats()["webhooks"]["delivered"] == 1)
    # A no-op edit changes nothing and sends nothing.
    emulator.knob(f"products/{product['id']}/edit", {"title": "Desk Lamp"})
    time.sleep(0.2)
    assert len(sink.received) == 1
    assert stats()["webhooks_fired"] == 1 and stats()["webhooks"]["delivered"] == 1
    deleted = emulator.data(
        "mutation($id: ID!) { webhookSubscriptionDelete(id: $id) "
        "{ deletedWebhookSubscriptionId } }",
        {"id": subscription["id"]},
    )
    assert (
        deleted["webhookSubscriptionDelete"]["deletedWebhookSubscriptionId"] == subscription["id"]
    )


def test_merchant_delete_fires_products_delete(
    emulator: Emulator, webhook_sink: tuple[WebhookSink, str]
) -> None:
    sink, url = webhook_sink
    subscribe(emulator, "PRODUCTS_DELETE", url)
    product = emulator.data(
        'mutation { productCreate(product: {title: "Gone"}) { product { id legacyResourceId } } }'
    )["productCreate"]["product"]
    emulator.knob(f"products/{product['legacyResourceId']}/delete")
    wait_for(lambda: len(sink.received) == 1)
    assert sink.received[0].headers["x-shopify-topic"] == "products/delete"
    assert json.loads(sink.received[0].body) == {"id": int(product["legacyResourceId"])}
    missing = emulator.client.post(f"/_emulator/products/{product['legacyResourceId']}/delete")
    assert missing.status_code == 404


def test_bulk_mutation_through_a_staged_upload(
    emulator: Emulator, webhook_sink: tuple[WebhookSink, str]
) -> None:
    sink, url = webhook_sink
    subscribe(emulator, "BULK_OPERATIONS_FINISH", url)
    staged = emulator.data(
        "mutation { stagedUploadsCreate(input: [{resource: BULK_MUTATION_VARIABLES, "
        'filename: "vars.jsonl", mimeType: "text/jsonl", httpMethod: POST}]) '
        "{ stagedTargets { url resourceUrl parameters { name value } } userErrors { message } } }"
    )["stagedUploadsCreate"]
    assert staged["userErrors"] == []
    target = staged["stagedTargets"][0]
    fields = {p["name"]: p["value"] for p in target["parameters"]}
    lines = "".join(
        json.dumps({"input": {"title": f"Bulk {i}", "productType": "Bulk"}}) + "\n"
        for i in range(40)
    )
    upload = emulator.client.post(
        target["url"], data=fields, files={"file": ("vars.jsonl", lines, "text/jsonl")}
    )
    assert upload.status_code in (200, 201, 204), upload.text
    mutation = (
        "mutation call($input: ProductSetInput!) { productSet(input: $input) "
        "{ product { id title } userErrors { message } } }"
    )
    run = emulator.data(
        "mutation($m: String!, $p: String!) { bulkOperationRunMutation(mutation: $m, "
        "stagedUploadPath: $p) { bulkOperation { id status type } "
        "userErrors { field message code } } }",
        {"m": mutation, "p": fields["key"]},
    )["bulkOperationRunMutation"]
    assert run["userErrors"] == []
    operation_id = run["bulkOperation"]["id"]

    def status() -> dict[str, Any]:
        node: dict[str, Any] = emulator.data(
            "query($id: ID!) { node(id: $id) { ... on BulkOperation { status objectCount url } } }",
            {"id": operation_id},
        )["node"]
        return node

    wait_for(lambda: status()["status"] == "COMPLETED")
    result = emulator.client.get(status()["url"])
    rows = [json.loads(line) for line in result.text.splitlines()]
    assert [r["__lineNumber"] for r in rows] == list(range(40))
    assert rows[7]["data"]["productSet"]["product"]["title"] == "Bulk 7"
    count = emulator.data('{ productsCount(query: "product_type:Bulk") { count } }')
    assert count["productsCount"]["count"] == 40
    wait_for(
        lambda: any(r.headers["x-shopify-topic"] == "bulk_operations/finish" for r in sink.received)
    )
    current = emulator.data("{ currentBulkOperation(type: MUTATION) { id status } }")
    assert current["currentBulkOperation"] == {"id": operation_id, "status": "COMPLETED"}


def test_bulk_query_exports_all_products_as_jsonl(emulator: Emulator) -> None:
    emulator.knob("seed", {"products": 600, "seed": 4})  # more than one internal page
    run = emulator.data(
        'mutation { bulkOperationRunQuery(query: """{ products { edges { node { id title '
        'variants { edges { node { id sku } } } } } } }""") '
        "{ bulkOperation { id status } userErrors { field message } } }"
    )["bulkOperationRunQuery"]
    assert run["userErrors"] == []

    def current() -> dict[str, Any]:
        op: dict[str, Any] = emulator.data(
            "{ currentBulkOperation { id status rootObjectCount objectCount url } }"
        )["currentBulkOperation"]
        return op

    wait_for(lambda: current()["status"] == "COMPLETED")
    operation = current()
    assert int(operation["rootObjectCount"]) == 600
    rows = [json.loads(line) for line in emulator.client.get(operation["url"]).text.splitlines()]
    products = [r for r in rows if "__parentId" not in r]
    variants = [r for r in rows if "__parentId" in r]
    assert len(products) == 600
    assert len({p["id"] for p in products}) == 600
    assert {v["__parentId"] for v in variants} <= {p["id"] for p in products}
    assert int(operation["objectCount"]) == len(rows)


def test_two_emulators_in_one_process_wire_resolvers_to_their_own_store(
    emulator: Emulator,
) -> None:
    """Each app builds its own executable schema (only the parsed SDL is shared): a resolver
    wired by the second app must not answer for the first."""
    first = subscribe(emulator, "PRODUCTS_UPDATE", "https://one.example/hook")
    second_emulator = start_emulator()
    second = next(second_emulator)
    try:
        mine = subscribe(second, "PRODUCTS_CREATE", "https://two.example/hook")
        query = "{ webhookSubscriptions(first: 5) { nodes { id topic } } }"
        assert emulator.data(query)["webhookSubscriptions"]["nodes"] == [
            {"id": first["id"], "topic": "PRODUCTS_UPDATE"}
        ]
        assert second.data(query)["webhookSubscriptions"]["nodes"] == [
            {"id": mine["id"], "topic": "PRODUCTS_CREATE"}
        ]
    finally:
        second_emulator.close()
