"""Images uploaded to the dashboard reach Shopify through staged uploads, once.

Before a page of products is sent, every image uploaded here that Shopify does not hold yet (no
media id) is uploaded to Shopify's staging, all of the page's in one `stagedUploadsCreate`;
productSet then names it by its resourceUrl (`PushItem.staged_sources`). The media id the push
reads back is recorded like any new media's, so the next push names it by id and uploads
nothing. A product whose file cannot be uploaded fails alone, with the reason, and is not sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from product_dashboard.product.image_store import ImageStore, content_type_of
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.staged_media import ImageFile, upload_images
from product_dashboard.sync.push.items import PushItem
from product_dashboard.sync.push.recorder import PushOutcome


def images_to_upload(item: PushItem) -> list[tuple[int, str]]:
    """(image index, stored file) of the item's uploaded images Shopify does not hold yet."""
    if item.deleted or item.snapshot is None or not item.media_complete:
        return []
    return [
        (index, local_file)
        for index, (local_file, media_id) in enumerate(
            zip(item.local_files, item.shopify_media_ids, strict=False)
        )
        if local_file is not None and media_id is None
    ]


async def stage_local_images(
    client: ShopifyClient, store: ImageStore | None, items: Sequence[PushItem]
) -> tuple[list[PushItem], list[PushOutcome]]:
    """The items ready to send (their uploaded images staged), and a failed outcome for each
    item whose image could not be uploaded."""
    wanted = [(item, index, name) for item in items for index, name in images_to_upload(item)]
    if not wanted:
        return list(items), []
    failed: dict[int, str] = {}
    files: list[tuple[PushItem, int, ImageFile]] = []
    paths = await asyncio.to_thread(_paths, store, [name for _, _, name in wanted])
    for (item, index, name), found in zip(wanted, paths, strict=True):
        if found is None:
            reason = (
                f"The uploaded image {name} is missing from the media folder."
                if store is not None
                else "Images uploaded to the dashboard cannot be sent by this push (no media "
                "folder is configured)."
            )
            failed.setdefault(item.product_id, reason)
            continue
        path, size = found
        files.append((item, index, ImageFile(path, name, content_type_of(name), size)))
    staged = await upload_images(client, [file for _, _, file in files])
    for (item, index, file), result in zip(files, staged, strict=True):
        if result.resource_url is None:
            failed.setdefault(
                item.product_id, f"The image {file.filename} could not be uploaded: {result.error}"
            )
        else:
            item.staged_sources[index] = result.resource_url
    ready = [item for item in items if item.product_id not in failed]
    outcomes = [
        PushOutcome(item=item, ok=False, error=failed[item.product_id])
        for item in items
        if item.product_id in failed
    ]
    return ready, outcomes


def _paths(store: ImageStore | None, names: list[str]) -> list[tuple[Path, int] | None]:
    """Each stored file's path and size (None: gone, or no store to look in)."""
    found: list[tuple[Path, int] | None] = []
    for name in names:
        path = store.path_of(name) if store is not None else None
        found.append((path, path.stat().st_size) if path is not None else None)
    return found
