"""Scalar product fields shared by productSet, productCreate and productUpdate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shopify_emulator.catalog.common import clean_tags
from shopify_emulator.catalog.taxonomy import category_key
from shopify_emulator.gid import parse_numeric_gid
from shopify_emulator.handles import given_handle
from shopify_emulator.models import Collection, Product, UserError
from shopify_emulator.store import Store


@dataclass
class FieldCodes:
    """User-error codes for product-level problems (None for plain UserError)."""

    invalid: str | None = "INVALID_PRODUCT"
    handle_taken: str | None = "HANDLE_NOT_UNIQUE"
    not_found: str | None = "NOT_FOUND"
    invalid_input: str | None = "INVALID_INPUT"


def apply_product_fields(
    store: Store,
    product: Product,
    data: dict[str, Any],
    *,
    created: bool,
    path: list[str],
    errors: list[UserError],
    codes: FieldCodes,
    now: datetime,
    default_handle: str | None = None,
) -> None:
    """Set the scalar fields present in `data`; omitted ones keep their value."""
    if "title" in data or created:
        title = (data.get("title") or "").strip()
        if not title:
            errors.append(UserError([*path, "title"], "Title can't be blank", codes.invalid))
        else:
            product.title = title
    _apply_handle(store, product, data, created, path, errors, codes, default_handle)
    if "descriptionHtml" in data:
        product.description_html = data["descriptionHtml"] or ""
    if "vendor" in data:
        product.vendor = (data["vendor"] or "").strip()
    if "productType" in data:
        product.product_type = (data["productType"] or "").strip()
    if "templateSuffix" in data:
        product.template_suffix = data["templateSuffix"] or None
    if data.get("status") is not None:
        product.status = data["status"]
    # The online store publishes a new active product (its `autoPublish`); later, publication
    # is publishablePublish / publishableUnpublish's alone (a status change leaves it as it is).
    if created and product.status == "ACTIVE" and product.published_at is None:
        product.published_at = now
    if "tags" in data:
        product.tags = clean_tags(data["tags"] or [])
    seo = data.get("seo")
    if seo is not None:
        if "title" in seo:
            product.seo_title = seo["title"] or None
        if "description" in seo:
            product.seo_description = seo["description"] or None
    if "category" in data:
        _apply_category(product, data["category"], path, errors, codes)
    if data.get("giftCard") is not None:
        product.gift_card = bool(data["giftCard"])
    if "giftCardTemplateSuffix" in data:
        product.gift_card_template_suffix = data["giftCardTemplateSuffix"] or None
    if data.get("requiresSellingPlan") is not None:
        product.requires_selling_plan = bool(data["requiresSellingPlan"])
    if data.get("combinedListingRole") is not None:
        _apply_combined_listing_role(
            product, data["combinedListingRole"], created, path, errors, codes
        )


def _apply_combined_listing_role(
    product: Product,
    role: str,
    created: bool,
    path: list[str],
    errors: list[UserError],
    codes: FieldCodes,
) -> None:
    """ProductSetInput.combinedListingRole "can only be set during creation"; after that the
    combined listing mutations own it."""
    if created:
        product.combined_listing_role = role
    elif role != product.combined_listing_role:
        errors.append(
            UserError(
                [*path, "combinedListingRole"],
                "Combined listing role can only be set when the product is created",
                codes.invalid_input,
            )
        )


def _apply_handle(
    store: Store,
    product: Product,
    data: dict[str, Any],
    created: bool,
    path: list[str],
    errors: list[UserError],
    codes: FieldCodes,
    default_handle: str | None,
) -> None:
    requested = data.get("handle") or (default_handle if created else None)
    if requested:
        handle = given_handle(requested)
        owner = store.product_handles.get(handle)
        if not handle:
            errors.append(UserError([*path, "handle"], "Handle is invalid", codes.invalid))
        elif owner is not None and owner != product.id:
            errors.append(
                UserError(
                    [*path, "handle"],
                    f"Handle '{handle}' already in use. Please provide a new handle.",
                    codes.handle_taken,
                )
            )
        else:
            product.handle = handle
    elif created:
        product.handle = store.free_product_handle(product.title or "product", product.id)


def _apply_category(
    product: Product, value: str | None, path: list[str], errors: list[UserError], codes: FieldCodes
) -> None:
    if value is None:
        product.category_id = None
        return
    key = category_key(value)
    if key is None:
        errors.append(
            UserError([*path, "category"], "Category does not exist", codes.invalid_input)
        )
    else:
        product.category_id = key


def resolve_manual_collections(
    store: Store,
    ids: list[str],
    path: list[str],
    errors: list[UserError],
    codes: FieldCodes,
) -> list[Collection]:
    """Look up collection gids a product should join; smart ones are refused."""
    found: list[Collection] = []
    for index, value in enumerate(ids):
        collection_id = parse_numeric_gid(value, "Collection")
        collection = store.collections.get(collection_id) if collection_id is not None else None
        if collection is None:
            errors.append(
                UserError([*path, str(index)], "Collection does not exist", codes.not_found)
            )
        elif collection.is_smart:
            errors.append(
                UserError(
                    [*path, str(index)],
                    "Can't add a product to a smart collection",
                    codes.invalid_input,
                )
            )
        else:
            found.append(collection)
    return found


def set_manual_membership(store: Store, product_id: int, collections: list[Collection]) -> None:
    """Make the product a member of exactly these manual collections."""
    wanted = {c.id for c in collections}
    for collection in store.collections.values():
        if collection.is_smart:
            continue
        member = product_id in collection.product_ids
        if collection.id in wanted and not member:
            collection.product_ids.append(product_id)
            store.mark_collection_changed(collection.id)
        elif collection.id not in wanted and member:
            collection.product_ids.remove(product_id)
            store.mark_collection_changed(collection.id)
