"""Images from files: staged uploads whose resourceUrl becomes a media's `originalSource`.

`upload_images(client, files)` asks one `stagedUploadsCreate` for up to 250 targets at a time
(resource IMAGE, httpMethod POST, with each file's name, MIME type and size), POSTs each file
to its target (every parameter as a form field, the file last, as Shopify documents) a few at a
time, and returns each file's `resourceUrl`, or why it could not be uploaded: one bad file does
not stop the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from product_dashboard.shopify.bulk import post_staged_file
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.cost import MUTATION_COST
from product_dashboard.shopify.documents import STAGED_UPLOADS_CREATE
from product_dashboard.shopify.errors import ShopifyError, UserError, user_errors_in

__all__ = ["ImageFile", "StagedImage", "upload_images"]

MAX_TARGETS_PER_REQUEST = 250  # Shopify's input array limit
UPLOADS_AT_ONCE = 4


@dataclass(frozen=True, slots=True)
class ImageFile:
    path: Path
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True, slots=True)
class StagedImage:
    """Where Shopify holds an uploaded file (`resource_url`), or why it does not."""

    resource_url: str | None = None
    error: str | None = None


async def upload_images(
    client: ShopifyClient, files: Sequence[ImageFile], *, at_once: int = UPLOADS_AT_ONCE
) -> list[StagedImage]:
    """Each file uploaded to Shopify's staging, in order."""
    results: list[StagedImage] = []
    gate = asyncio.Semaphore(at_once)
    for start in range(0, len(files), MAX_TARGETS_PER_REQUEST):
        chunk = files[start : start + MAX_TARGETS_PER_REQUEST]
        targets = await _targets(client, chunk)

        async def send(file: ImageFile, target: Mapping[str, Any] | StagedImage) -> StagedImage:
            if isinstance(target, StagedImage):
                return target
            async with gate:
                return await _post(client, file, target)

        results.extend(
            await asyncio.gather(*(send(f, t) for f, t in zip(chunk, targets, strict=True)))
        )
    return results


async def _targets(
    client: ShopifyClient, files: Sequence[ImageFile]
) -> list[Mapping[str, Any] | StagedImage]:
    """One target per file; a file Shopify refused gets its error. When some inputs are refused
    the others are asked for again (a payload with userErrors may hold no targets)."""
    found: dict[int, Mapping[str, Any] | StagedImage] = {}
    pending = list(range(len(files)))
    for _ in range(2):
        try:
            targets, errors = await _create(client, [files[i] for i in pending])
        except ShopifyError as exc:
            failure = StagedImage(error=f"stagedUploadsCreate failed: {exc.message}")
            return [found.get(i, failure) for i in range(len(files))]
        if not errors and len(targets) == len(pending):
            found.update(zip(pending, targets, strict=True))
            pending = []
            break
        refused = _refused_inputs(errors, len(pending))
        for position, message in refused.items():
            found[pending[position]] = StagedImage(error=f"Shopify refused the upload: {message}")
        pending = [index for position, index in enumerate(pending) if position not in refused]
        if not pending:
            break
    missing = StagedImage(error="stagedUploadsCreate returned no upload target")
    return [found.get(i, missing) for i in range(len(files))]


async def _create(
    client: ShopifyClient, files: Sequence[ImageFile]
) -> tuple[list[Mapping[str, Any]], list[UserError]]:
    inputs = [
        {
            "resource": "IMAGE",
            "filename": file.filename,
            "mimeType": file.content_type,
            "httpMethod": "POST",
            "fileSize": str(file.size),
        }
        for file in files
    ]
    response = await client.execute(
        STAGED_UPLOADS_CREATE,
        {"input": inputs},
        estimated_cost=MUTATION_COST + 2 + len(inputs) * 3,
    )
    payload = response.data.get("stagedUploadsCreate")
    return list((payload or {}).get("stagedTargets") or []), user_errors_in(payload)


def _refused_inputs(errors: Sequence[UserError], count: int) -> dict[int, str]:
    """Input positions named by the errors' fields (["input", "2", "mimeType"]); an error that
    names none refuses them all."""
    refused: dict[int, str] = {}
    for error in errors:
        field = [str(part) for part in error.field or ()]
        if len(field) >= 2 and field[0] == "input" and field[1].isdigit():
            refused[int(field[1])] = error.message
        else:
            refused.update({position: error.message for position in range(count)})
    return refused


async def _post(client: ShopifyClient, file: ImageFile, target: Mapping[str, Any]) -> StagedImage:
    fields = {p["name"]: p["value"] for p in target.get("parameters") or ()}
    if not target.get("url") or not target.get("resourceUrl"):
        return StagedImage(error="the upload target has no URL or resourceUrl")
    try:
        await post_staged_file(
            client, target["url"], fields, file.path, file.filename, file.content_type
        )
    except ShopifyError as exc:
        return StagedImage(error=exc.message)
    except OSError as exc:
        return StagedImage(error=f"the file could not be read: {exc}")
    return StagedImage(resource_url=str(target["resourceUrl"]))
