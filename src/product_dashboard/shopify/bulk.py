"""Bulk operations: staged upload, run, poll, and stream-parse the result JSONL.

Mutation: `staged_upload()` → `run_bulk_mutation()` → poll `get_bulk_operation()` →
`iter_jsonl(url)` (one dict per input line, with `__lineNumber`). Query: `run_bulk_query()` →
poll → `iter_bulk_query_objects(url)`, which reassembles `__parentId` lines into nested objects
(products with `variants: {"nodes": […]}`). Files and results are streamed: memory stays bounded
by one product, not the catalog.
"""

from __future__ import annotations

import asyncio
import codecs
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import orjson

from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.documents import (
    BULK_OPERATION_CANCEL,
    BULK_OPERATION_RUN_MUTATION,
    BULK_OPERATION_RUN_QUERY,
    BULK_OPERATION_STATUS,
    BULK_OPERATIONS_ACTIVE,
    STAGED_UPLOADS_CREATE,
)
from product_dashboard.shopify.errors import (
    BulkOperationError,
    BulkOperationInProgress,
    ConnectionDropped,
    ShopifyError,
    StagedUploadError,
    raise_for_user_errors,
)
from product_dashboard.shopify.jsonl import JsonLines

__all__ = [
    "CHILD_KEYS",
    "MAX_BULK_OPERATIONS",
    "MAX_UPLOAD_BYTES",
    "TERMINAL_STATUSES",
    "BulkOperation",
    "BulkQueryReassembler",
    "active_bulk_operations",
    "cancel_bulk_operation",
    "get_bulk_operation",
    "iter_bulk_query_objects",
    "iter_jsonl",
    "post_staged_file",
    "recent_bulk_operations",
    "run_bulk_mutation",
    "run_bulk_query",
    "staged_upload",
    "start_when_a_slot_frees",
    "write_jsonl",
]

MAX_UPLOAD_BYTES = 100 * 1024 * 1024
# Bulk operations a shop runs at a time, queries and mutations together (Admin API 2026-01 on);
# one more is refused with LIMIT_REACHED.
MAX_BULK_OPERATIONS = 5
TERMINAL_STATUSES = frozenset({"COMPLETED", "CANCELED", "FAILED", "EXPIRED"})
_JSONL_MIME = "text/jsonl"
_GID_PREFIX = "gid://shopify/"
# Where children of a bulk query line go in the reassembled parent, by their gid type.
CHILD_KEYS: dict[str, str] = {
    "ProductVariant": "variants",
    "MediaImage": "media",
    "Video": "media",
    "ExternalVideo": "media",
    "Model3d": "media",
    "Collection": "collections",
    "Metafield": "metafields",
    "InventoryLevel": "inventoryLevels",
    "CountryHarmonizedSystemCode": "countryHarmonizedSystemCodes",
    "Product": "products",
}


@dataclass(frozen=True, slots=True)
class BulkOperation:
    id: str
    status: str
    type: str | None = None
    error_code: str | None = None
    object_count: int = 0
    root_object_count: int = 0
    file_size: int | None = None
    url: str | None = None
    partial_data_url: str | None = None
    created_at: str | None = None
    completed_at: str | None = None

    @classmethod
    def from_payload(cls, raw: Mapping[str, Any]) -> BulkOperation:
        def as_int(value: Any) -> int | None:
            return int(value) if value is not None else None

        return cls(
            id=raw["id"],
            status=raw["status"],
            type=raw.get("type"),
            error_code=raw.get("errorCode"),
            object_count=as_int(raw.get("objectCount")) or 0,
            root_object_count=as_int(raw.get("rootObjectCount")) or 0,
            file_size=as_int(raw.get("fileSize")),
            url=raw.get("url"),
            partial_data_url=raw.get("partialDataUrl"),
            created_at=raw.get("createdAt"),
            completed_at=raw.get("completedAt"),
        )

    @property
    def done(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def raise_for_status(self) -> None:
        """Raise BulkOperationError unless the operation COMPLETED."""
        if self.status != "COMPLETED":
            raise BulkOperationError(
                f"bulk operation {self.id} ended {self.status}"
                + (f" ({self.error_code})" if self.error_code else ""),
                status=self.status,
                error_code=self.error_code,
                partial_data_url=self.partial_data_url,
            )


def write_jsonl(lines: Iterable[Mapping[str, Any]], handle: IO[bytes]) -> int:
    """Write one compact JSON object per line; returns the bytes written."""
    size = 0
    for line in lines:
        encoded = orjson.dumps(line) + b"\n"
        handle.write(encoded)
        size += len(encoded)
    return size


async def staged_upload(
    client: ShopifyClient,
    source: Iterable[Mapping[str, Any]] | Path,
    *,
    filename: str = "bulk_op_vars.jsonl",
) -> str:
    """Upload mutation variables as JSONL; returns the `stagedUploadPath` for the bulk run.

    `source` is an iterable of variable dicts (spooled to a temporary file, not memory) or the
    path of a JSONL file already written.
    """
    if isinstance(source, Path):
        return await _upload_file(client, source, filename)
    fd, name = tempfile.mkstemp(prefix="bulk-", suffix=".jsonl")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            await asyncio.to_thread(write_jsonl, source, handle)
        return await _upload_file(client, path, filename)
    finally:
        await asyncio.to_thread(path.unlink, missing_ok=True)


async def _upload_file(client: ShopifyClient, path: Path, filename: str) -> str:
    size = await asyncio.to_thread(os.path.getsize, path)
    if size > MAX_UPLOAD_BYTES:
        raise StagedUploadError(
            f"{size} bytes is over Shopify's 100 MB bulk upload limit; split the input"
        )
    response = await client.execute(
        STAGED_UPLOADS_CREATE,
        {
            "input": [
                {
                    "resource": "BULK_MUTATION_VARIABLES",
                    "filename": filename,
                    "mimeType": _JSONL_MIME,
                    "httpMethod": "POST",
                    "fileSize": str(size),
                }
            ]
        },
    )
    payload = response.data["stagedUploadsCreate"]
    raise_for_user_errors(payload, "stagedUploadsCreate")
    target = (payload.get("stagedTargets") or [None])[0]
    if not target or not target.get("url"):
        raise StagedUploadError("stagedUploadsCreate returned no upload target")
    fields = {p["name"]: p["value"] for p in target["parameters"]}
    if "key" not in fields:
        raise StagedUploadError("upload target has no `key` parameter")
    await post_staged_file(client, target["url"], fields, path, filename, _JSONL_MIME)
    return fields["key"]


async def post_staged_file(
    client: ShopifyClient,
    url: str,
    fields: dict[str, str],
    path: Path,
    filename: str,
    content_type: str,
) -> None:
    """POST every target parameter as a form field, then the file (it must come last)."""
    attempt = 0
    while True:
        try:
            with path.open("rb") as handle:
                response = await client.http.post(
                    url,
                    data=fields,
                    files={"file": (filename, handle, content_type)},
                    timeout=client.timeout,
                )
        except httpx.TransportError as exc:
            error: ShopifyError = ConnectionDropped(f"staged upload failed: {exc!r}")
        else:
            if response.is_success:
                return
            error = StagedUploadError(
                f"staged upload answered HTTP {response.status_code}: {response.text[:300]!r}",
                status_code=response.status_code,
            )
            if response.status_code < 500:
                raise error
        if attempt >= client.max_retries:
            raise error
        await asyncio.sleep(client.backoff_delay(attempt))
        attempt += 1


async def run_bulk_mutation(
    client: ShopifyClient,
    staged_upload_path: str,
    *,
    mutation: str,
    client_identifier: str | None = None,
) -> BulkOperation:
    """Start a bulk mutation; BulkOperationInProgress if the shop's bulk slots are all taken."""
    response = await client.execute(
        BULK_OPERATION_RUN_MUTATION,
        {
            "mutation": mutation,
            "stagedUploadPath": staged_upload_path,
            "clientIdentifier": client_identifier,
        },
        idempotent=False,
    )
    return _started(response.data["bulkOperationRunMutation"], "bulkOperationRunMutation")


async def run_bulk_query(client: ShopifyClient, query: str) -> BulkOperation:
    """Start a bulk query (see documents.bulk_products_query); BulkOperationInProgress if busy."""
    response = await client.execute(BULK_OPERATION_RUN_QUERY, {"query": query}, idempotent=False)
    return _started(response.data["bulkOperationRunQuery"], "bulkOperationRunQuery")


def _started(payload: Mapping[str, Any] | None, mutation: str) -> BulkOperation:
    raise_for_user_errors(payload, mutation)
    operation = (payload or {}).get("bulkOperation")
    if not operation:
        raise BulkOperationError(
            f"{mutation} returned no bulk operation",
            status="UNKNOWN",
            error_code=None,
            partial_data_url=None,
        )
    return BulkOperation.from_payload(operation)


async def start_when_a_slot_frees(
    start: Callable[[], Awaitable[BulkOperation]],
    *,
    interval: float,
    stopping: Callable[[], bool] = lambda: False,
    pause: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> BulkOperation | None:
    """`start()` again after each `pause(interval)` (a sleep, or a wait that also ends when a
    slot frees) while all the shop's bulk slots are taken (by us or another app); None when
    `stopping()` before it started."""
    while True:
        try:
            return await start()
        except BulkOperationInProgress:
            if stopping():
                return None
            await pause(interval)


async def get_bulk_operation(client: ShopifyClient, operation_id: str) -> BulkOperation | None:
    response = await client.execute(BULK_OPERATION_STATUS, {"id": operation_id})
    node = response.data.get("node")
    # A gid of another type matches no fragment and comes back as {}.
    return BulkOperation.from_payload(node) if node and "id" in node else None


ACTIVE_STATUS_FILTER = "(status:created OR status:running OR status:canceling)"


async def active_bulk_operations(
    client: ShopifyClient, operation_type: str = "MUTATION"
) -> list[BulkOperation]:
    """The app's unfinished bulk operations of `operation_type`, newest first."""
    search = f"operation_type:{operation_type.lower()} AND {ACTIVE_STATUS_FILTER}"
    response = await client.execute(BULK_OPERATIONS_ACTIVE, {"query": search})
    nodes = response.data["bulkOperations"]["nodes"]
    return [BulkOperation.from_payload(node) for node in nodes]


async def recent_bulk_operations(
    client: ShopifyClient, operation_type: str = "MUTATION"
) -> list[BulkOperation]:
    """The app's latest bulk operations of `operation_type` (any status), newest first."""
    search = f"operation_type:{operation_type.lower()}"
    response = await client.execute(BULK_OPERATIONS_ACTIVE, {"query": search})
    return [BulkOperation.from_payload(node) for node in response.data["bulkOperations"]["nodes"]]


async def cancel_bulk_operation(client: ShopifyClient, operation_id: str) -> BulkOperation | None:
    response = await client.execute(BULK_OPERATION_CANCEL, {"id": operation_id})
    payload = response.data["bulkOperationCancel"]
    raise_for_user_errors(payload, "bulkOperationCancel")
    operation = payload.get("bulkOperation")
    return BulkOperation.from_payload(operation) if operation else None


async def iter_jsonl(client: ShopifyClient, url: str) -> AsyncIterator[dict[str, Any]]:
    """Stream a result file line by line (the signed URL needs no Shopify token)."""
    async for values in _iter_jsonl_batches(client, url):
        for value in values:
            yield value


async def _iter_jsonl_batches(client: ShopifyClient, url: str) -> AsyncIterator[Iterable[Any]]:
    """A result file's lines parsed, a downloaded chunk's worth at a time (`jsonl.JsonLines`)."""
    async with client.http.stream("GET", url, timeout=client.timeout) as response:
        if not response.is_success:
            await response.aread()
            raise BulkOperationError(
                f"result download answered HTTP {response.status_code}",
                status="COMPLETED",
                error_code=None,
                partial_data_url=None,
            )
        if codecs.lookup(response.encoding or "utf-8").name != "utf-8":
            # A charset other than JSON's own (never Shopify's): read as text, line by line.
            async for line in response.aiter_lines():
                if line.strip():
                    yield (orjson.loads(line),)
            return
        lines = JsonLines()
        async for chunk in response.aiter_bytes():
            yield lines.feed(chunk)
        yield lines.finish()


class BulkQueryReassembler:
    """Nests `__parentId` lines under their parents, releasing each root once it is complete.

    Shopify writes a parent before its children, depth first, so a root is complete as soon as
    the next root starts: memory holds one root and its descendants.
    """

    def __init__(self, child_keys: Mapping[str, str] | None = None) -> None:
        self._child_keys = dict(CHILD_KEYS if child_keys is None else child_keys)
        self._root: dict[str, Any] | None = None
        self._index: dict[str, dict[str, Any]] = {}

    def feed(self, line: Mapping[str, Any]) -> dict[str, Any] | None:
        """Add one line; returns the previous root when `line` starts a new one."""
        return self.adopt(
            {k: v for k, v in line.items() if k != "__parentId"}, line.get("__parentId")
        )

    def adopt(self, obj: dict[str, Any], parent_id: Any = None) -> dict[str, Any] | None:
        """`feed` for a line parsed for us alone, without its `__parentId` (popped by the
        caller): `obj` itself becomes part of the tree, not a copy."""
        if parent_id is None:
            finished = self._root
            self._root = obj
            self._index = {obj["id"]: obj} if "id" in obj else {}
            return finished
        parent = self._index.get(parent_id)
        if parent is None:
            raise BulkOperationError(
                f"bulk result line for {obj.get('id')} names parent {parent_id} out of order",
                status="COMPLETED",
                error_code=None,
                partial_data_url=None,
            )
        key = self._key_for(obj)
        children = parent.get(key)
        if children is None:
            parent[key] = {"nodes": [obj]}
        else:
            children["nodes"].append(obj)
        if "id" in obj:
            self._index[obj["id"]] = obj
        return None

    def finish(self) -> dict[str, Any] | None:
        root, self._root, self._index = self._root, None, {}
        return root

    def _key_for(self, obj: Mapping[str, Any]) -> str:
        type_name = obj.get("__typename")
        if not isinstance(type_name, str):
            type_name = _gid_type(obj.get("id", "")) or "children"
        return self._child_keys.get(type_name, type_name[:1].lower() + type_name[1:] + "s")


def _gid_type(gid: Any) -> str | None:
    """The type of a Shopify gid ("ProductVariant" of gid://shopify/ProductVariant/1): the ASCII
    letters between the prefix and the next "/"; None for anything else."""
    text = gid if isinstance(gid, str) else str(gid)
    if not text.startswith(_GID_PREFIX):
        return None
    end = text.find("/", len(_GID_PREFIX))
    name = text[len(_GID_PREFIX) : end]
    return name if end > 0 and name.isascii() and name.isalpha() else None


async def iter_bulk_query_objects(
    client: ShopifyClient, url: str, *, child_keys: Mapping[str, str] | None = None
) -> AsyncIterator[dict[str, Any]]:
    """Stream a bulk query result as nested objects (products with `variants.nodes`)."""
    reassembler = BulkQueryReassembler(child_keys)
    async for values in _iter_jsonl_batches(client, url):
        for line in values:
            if not isinstance(line, dict):
                reassembler.feed(line)  # fails as a line that is no object always did
            finished = reassembler.adopt(line, line.pop("__parentId", None))
            if finished is not None:
                yield finished
    last = reassembler.finish()
    if last is not None:
        yield last
