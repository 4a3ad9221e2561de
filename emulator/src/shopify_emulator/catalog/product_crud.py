"""productCreate, productUpdate and productDelete (plain UserError, no codes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shopify_emulator.catalog.common import media_from_source, upsert_metafields
from shopify_emulator.catalog.options import OptionCodes, build_options, default_options
from shopify_emulator.catalog.product_fields import (
    FieldCodes,
    apply_product_fields,
    resolve_manual_collections,
)
from shopify_emulator.catalog.product_set import WriteResult, commit_product
from shopify_emulator.catalog.records import clone
from shopify_emulator.catalog.redirects import redirect_old_handle
from shopify_emulator.catalog.variant_fields import new_variant
from shopify_emulator.clock import utc_now
from shopify_emulator.gid import parse_numeric_gid
from shopify_emulator.models import Collection, Media, Product, UserError
from shopify_emulator.store import Store

PLAIN_CODES = FieldCodes(invalid=None, handle_taken=None, not_found=None, invalid_input=None)
PLAIN_OPTION_CODES = OptionCodes(None, None, None, None, None, None, None)


def _new_media(
    store: Store, media: list[dict[str, Any]] | None, now: datetime, errors: list[UserError]
) -> list[Media]:
    """CreateMediaInput entries as media: URLs, or staged uploads' resourceUrls."""
    found = (
        media_from_source(store, item, now, ["media", str(index)], errors)
        for index, item in enumerate(media or [])
        if item.get("originalSource")
    )
    return [m for m in found if m is not None]


def product_create(
    store: Store, data: dict[str, Any], media: list[dict[str, Any]] | None
) -> WriteResult:
    """A new product with one variant made of each option's first value."""
    errors: list[UserError] = []
    now = utc_now()
    product = Product(id=store.ids.next(), title="", handle="", created_at=now, updated_at=now)
    apply_product_fields(
        store, product, data, created=True, path=[], errors=errors, codes=PLAIN_CODES, now=now
    )
    options_in = data.get("productOptions")
    if options_in:
        product.options = build_options(
            store, options_in, [], ["productOptions"], errors, PLAIN_OPTION_CODES
        )
        if any(not o.values for o in product.options):
            errors.append(UserError(["productOptions"], "Each option needs at least one value"))
    else:
        product.options = default_options(store)
    if not errors:
        first_values = [o.values[0].name for o in product.options]
        product.variants = [new_variant(store, product.id, first_values, now)]
    if data.get("metafields"):
        product.metafields = upsert_metafields(
            store, data["metafields"], [], now, ["metafields"], errors
        )
    product.media = _new_media(store, media, now, errors)
    joins = resolve_manual_collections(
        store, data.get("collectionsToJoin") or [], ["collectionsToJoin"], errors, PLAIN_CODES
    )
    if errors:
        return WriteResult(None, errors)
    result = commit_product(store, product, None)
    _join(store, product.id, joins)
    return result


def product_update(
    store: Store, data: dict[str, Any], media: list[dict[str, Any]] | None
) -> WriteResult:
    """Change the given fields of an existing product."""
    product_id = parse_numeric_gid(data.get("id") or "", "Product")
    existing = store.products.get(product_id) if product_id is not None else None
    if existing is None:
        return WriteResult(None, [UserError(["id"], "Product does not exist")])
    errors: list[UserError] = []
    now = utc_now()
    product = clone(existing)
    apply_product_fields(
        store, product, data, created=False, path=[], errors=errors, codes=PLAIN_CODES, now=now
    )
    if data.get("metafields"):
        product.metafields = upsert_metafields(
            store, data["metafields"], product.metafields, now, ["metafields"], errors
        )
    if media:
        product.media = product.media + _new_media(store, media, now, errors)
    joins = resolve_manual_collections(
        store, data.get("collectionsToJoin") or [], ["collectionsToJoin"], errors, PLAIN_CODES
    )
    leaves = resolve_manual_collections(
        store, data.get("collectionsToLeave") or [], ["collectionsToLeave"], errors, PLAIN_CODES
    )
    if errors:
        return WriteResult(None, errors)
    result = commit_product(store, product, existing)
    redirect_old_handle(store, existing, result.product, data)
    _join(store, existing.id, joins)
    for collection in leaves:
        if existing.id in collection.product_ids:
            collection.product_ids.remove(existing.id)
            store.mark_collection_changed(collection.id)
    return result


def product_delete(store: Store, product_gid: str) -> tuple[str | None, list[UserError]]:
    product_id = parse_numeric_gid(product_gid, "Product")
    product = store.products.get(product_id) if product_id is not None else None
    if product is None:
        return None, [UserError(["id"], "Product does not exist")]
    store.delete_product(product)
    return product.gid, []


def _join(store: Store, product_id: int, collections: list[Collection]) -> None:
    for collection in collections:
        if product_id not in collection.product_ids:
            collection.product_ids.append(product_id)
            store.mark_collection_changed(collection.id)
