"""Push through one bulk mutation: JSONL upload, `bulkOperationRunMutation`, poll, read results.

Only one bulk mutation runs per shop at a time: when another is running (ours, left by a crashed
process, or anyone's) we wait for it to finish, then start ours. Every line identifies its product
by Shopify id or handle, so running a chunk again after a crash updates rather than duplicates.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.errors import (
    BulkOperationInProgress,
    ShopifyError,
    StagedUploadError,
    raise_for_user_errors,
)
from product_dashboard.sync.push.documents import PRODUCT_SET_BULK, Operation
from product_dashboard.sync.push.recorder import PushOutcome
from product_dashboard.sync.push.sender import outcome_from_bulk_line

STAGED_UPLOAD = (
    "mutation stagedUploadsCreate($input: [StagedUploadInput!]!) { stagedUploadsCreate(input: "
    "$input) { stagedTargets { url resourceUrl parameters { name value } } "
    "userErrors { field message } } }"
)
RUN_MUTATION = (
    "mutation bulkOperationRunMutation($mutation: String!, $stagedUploadPath: String!) "
    "{ bulkOperationRunMutation(mutation: $mutation, stagedUploadPath: $stagedUploadPath) "
    "{ bulkOperation { id status } userErrors { field message code } } }"
)
CANCEL = (
    "mutation bulkOperationCancel($id: ID!) { bulkOperationCancel(id: $id) "
    "{ bulkOperation { id status } userErrors { field message } } }"
)
_STATUS_FIELDS = "id status errorCode objectCount url partialDataUrl"
POLL = (
    "query bulkOperation($id: ID!) "
    f"{{ node(id: $id) {{ ... on BulkOperation {{ {_STATUS_FIELDS} }} }} }}"
)
CURRENT = (
    f"query currentBulkMutation {{ currentBulkOperation(type: MUTATION) {{ {_STATUS_FIELDS} }} }}"
)
FINAL_STATUSES = frozenset({"COMPLETED", "CANCELED", "FAILED", "EXPIRED"})


@dataclass
class BulkStatus:
    id: str
    status: str
    error_code: str | None = None
    object_count: int = 0
    url: str | None = None
    partial_data_url: str | None = None

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> BulkStatus:
        return cls(
            id=str(node["id"]),
            status=str(node.get("status")),
            error_code=node.get("errorCode"),
            object_count=int(node.get("objectCount") or 0),
            url=node.get("url"),
            partial_data_url=node.get("partialDataUrl"),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "shopify_id": self.id,
            "status": self.status,
            "error_code": self.error_code,
            "object_count": self.object_count,
        }


OnStatus = Callable[[BulkStatus], Awaitable[None]]


class BulkPusher:
    def __init__(
        self,
        client: ShopifyClient,
        http: httpx.AsyncClient,
        *,
        poll_interval: float = 0.25,
        on_status: OnStatus | None = None,
    ) -> None:
        self.client = client
        self.http = http
        self.poll_interval = poll_interval
        self._on_status = on_status
        self.requests = 0

    async def push(self, ops: Sequence[Operation]) -> list[PushOutcome]:
        """Run one bulk mutation over `ops` (all productSet) and return their outcomes."""
        body = "".join(
            json.dumps(
                {"input": op.variables["input"], "identifier": op.variables["identifier"]},
                separators=(",", ":"),
            )
            + "\n"
            for op in ops
        ).encode()
        path = await self._upload(body)
        status = await self._start(path)
        status = await self._wait(status)
        lines = await self._results(status)
        outcomes: list[PushOutcome] = []
        for index, op in enumerate(ops):
            line = lines.get(index)
            if line is None:
                outcomes.append(
                    PushOutcome(
                        item=op.item,
                        ok=False,
                        error=f"Bulk operation {status.status.lower()} before this product ran.",
                    )
                )
            else:
                outcomes.append(outcome_from_bulk_line(op, line))
        return outcomes

    async def cancel(self, operation_id: str) -> None:
        await self._execute(CANCEL, {"id": operation_id})

    async def _execute(self, document: str, variables: dict[str, Any] | None = None) -> Any:
        self.requests += 1
        return await self.client.execute(document, variables)

    async def _upload(self, body: bytes) -> str:
        response = await self._execute(
            STAGED_UPLOAD,
            {
                "input": [
                    {
                        "resource": "BULK_MUTATION_VARIABLES",
                        "filename": "push.jsonl",
                        "mimeType": "text/jsonl",
                        "httpMethod": "POST",
                    }
                ]
            },
        )
        payload = response.data["stagedUploadsCreate"]
        raise_for_user_errors(payload, "stagedUploadsCreate")
        target = payload["stagedTargets"][0]
        fields = {p["name"]: p["value"] for p in target["parameters"]}
        uploaded = await self.http.post(
            target["url"], data=fields, files={"file": ("push.jsonl", body, "text/jsonl")}
        )
        if uploaded.status_code >= 300:
            raise StagedUploadError(
                f"staged upload refused: HTTP {uploaded.status_code}",
                status_code=uploaded.status_code,
            )
        return str(fields.get("key") or target["resourceUrl"])

    async def _start(self, path: str) -> BulkStatus:
        while True:
            response = await self._execute(
                RUN_MUTATION, {"mutation": PRODUCT_SET_BULK, "stagedUploadPath": path}
            )
            payload = response.data["bulkOperationRunMutation"]
            try:
                raise_for_user_errors(payload, "bulkOperationRunMutation")
            except BulkOperationInProgress:
                await self._wait_for_current()
                continue
            operation = payload["bulkOperation"]
            return BulkStatus(id=str(operation["id"]), status=str(operation["status"]))

    async def _wait_for_current(self) -> None:
        while True:
            response = await self._execute(CURRENT)
            node = response.data.get("currentBulkOperation")
            if not node or node.get("status") in FINAL_STATUSES:
                return
            await asyncio.sleep(self.poll_interval)

    async def _wait(self, status: BulkStatus) -> BulkStatus:
        while True:
            if self._on_status is not None:
                await self._on_status(status)
            if status.status in FINAL_STATUSES:
                return status
            await asyncio.sleep(self.poll_interval)
            response = await self._execute(POLL, {"id": status.id})
            node = response.data.get("node")
            if not node:
                raise ShopifyError(f"bulk operation {status.id} vanished")
            status = BulkStatus.from_node(node)

    async def _results(self, status: BulkStatus) -> dict[int, dict[str, Any]]:
        url = status.url or status.partial_data_url
        lines: dict[int, dict[str, Any]] = {}
        if not url:
            return lines
        async with self.http.stream("GET", url) as response:
            if response.status_code != 200:
                raise ShopifyError(f"bulk results download failed: HTTP {response.status_code}")
            async for raw in response.aiter_lines():
                if not raw.strip():
                    continue
                line = json.loads(raw)
                number = line.get("__lineNumber")
                if isinstance(number, int):
                    lines[number] = line
        return lines
