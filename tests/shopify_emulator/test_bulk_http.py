"""The whole bulk import path over loopback HTTP: staged upload, bulk mutation, webhook, results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from shopify_emulator.bulk import BulkOperation, BulkOperationManager
from shopify_emulator.staged_uploads import StagedUploads
from shopify_emulator.webhooks import WebhookDispatcher, bulk_operation_finish_payload
from tests.shopify_emulator._fixtures_e2 import WebhookReceiver, serve_app

pytestmark = pytest.mark.integration

MUTATION = (
    "mutation call($input: ProductInput!) { productCreate(input: $input) "
    "{ product { id } userErrors { field message } } }"
)


async def test_staged_upload_then_bulk_mutation_then_finish_webhook(tmp_path: Path) -> None:
    base = {"url": ""}
    uploads = StagedUploads(tmp_path / "staged", lambda: base["url"])
    receiver = WebhookReceiver("secret")
    dispatcher = WebhookDispatcher("secret", "shop.myshopify.com", "2026-10", time_scale=0.001)

    async def on_finish(operation: BulkOperation) -> None:
        dispatcher.publish("BULK_OPERATIONS_FINISH", bulk_operation_finish_payload(operation))

    manager = BulkOperationManager(tmp_path / "results", lambda: base["url"], on_finish=on_finish)
    app = Starlette(routes=[*uploads.routes(), *manager.routes()])

    async def execute(variables: dict[str, Any]) -> dict[str, Any]:
        product = {"id": f"gid://shopify/Product/{variables['input']['n']}"}
        return {"data": {"productCreate": {"product": product, "userErrors": []}}}

    jsonl = "".join(json.dumps({"input": {"n": n}}) + "\n" for n in range(250)).encode()
    with serve_app(app) as url, serve_app(receiver.app()) as hook_base:
        base["url"] = url
        dispatcher.create_subscription("BULK_OPERATIONS_FINISH", f"{hook_base}/hook")
        async with dispatcher, httpx.AsyncClient() as client:
            target = uploads.create_target("BULK_MUTATION_VARIABLES", "bulk_op_vars", "text/jsonl")
            fields = {p["name"]: p["value"] for p in target["parameters"]}
            upload = await client.post(
                target["url"],
                data=fields,
                files={"file": ("bulk_op_vars", jsonl, "text/jsonl")},
            )
            assert upload.status_code == 201

            payload = await manager.run_mutation(MUTATION, fields["key"], execute, uploads.path_for)
            assert payload.bulk_operation is not None, payload.user_errors
            operation = await manager.wait(payload.bulk_operation.id)
            await dispatcher.drain(10)

            assert operation.url is not None and operation.url.startswith(url)
            results = await client.get(operation.url)
    assert results.status_code == 200
    lines = [json.loads(line) for line in results.text.splitlines()]
    assert [line["__lineNumber"] for line in lines] == list(range(250))
    assert lines[249]["data"]["productCreate"]["product"]["id"] == "gid://shopify/Product/249"
    [webhook] = receiver.received
    assert webhook.hmac_ok
    assert webhook.headers["x-shopify-topic"] == "bulk_operations/finish"
    body = json.loads(webhook.body)
    assert body["admin_graphql_api_id"] == operation.id
    assert (body["status"], body["type"], body["error_code"]) == ("completed", "mutation", None)


async def test_unknown_staged_path_is_no_such_file(tmp_path: Path) -> None:
    uploads = StagedUploads(tmp_path / "staged", lambda: "http://x")
    manager = BulkOperationManager(tmp_path / "results", lambda: "http://x")

    async def execute(variables: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("must not run")

    target = uploads.create_target("BULK_MUTATION_VARIABLES", "v", "text/jsonl")
    never_uploaded = target["parameters"][0]["value"]
    for path in (never_uploaded, "../../etc/passwd"):
        payload = await manager.run_mutation(MUTATION, path, execute, uploads.path_for)
        assert [e.code for e in payload.user_errors] == ["NO_SUCH_FILE"]
