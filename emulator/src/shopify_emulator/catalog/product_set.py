"""productSet: an upsert where given lists replace what is there and omitted scalars stay."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shopify_emulator.catalog.common import build_metafields, media_from_source, set_media
from shopify_emulator.catalog.options import (
    MAX_VARIANTS,
    OptionCodes,
    OptionIndex,
    build_options,
    default_options,
    resolve_option_values,
    variant_title,
)
from shopify_emulator.catalog.product_fields import (
    FieldCodes,
    apply_product_fields,
    resolve_manual_collections,
    set_manual_membership,
)
from shopify_emulator.catalog.records import clone, same_content
from shopify_emulator.catalog.redirects import redirect_old_handle
from shopify_emulator.catalog.variant_fields import apply_variant_fields, new_variant
from shopify_emulator.clock import utc_now
from shopify_emulator.gid import parse_numeric_gid
from shopify_emulator.models import Collection, Product, ProductOption, UserError, Variant
from shopify_emulator.store import Store

FIELD_CODES = FieldCodes()
OPTION_CODES = OptionCodes()


@dataclass
class WriteResult:
    product: Product | None
    errors: list[UserError]
    changed: bool = False
    created: bool = False


def product_set(
    store: Store, data: dict[str, Any], identifier: dict[str, Any] | None
) -> WriteResult:
    """Create or update a product from ProductSetInput; nothing changes when errors occur."""
    existing, default_handle, error = _find_target(store, identifier)
    error = error or _identifier_mismatch(data, identifier)
    if error is not None:
        return WriteResult(None, [error])
    errors: list[UserError] = []
    now = utc_now()
    created = existing is None
    product = (
        clone(existing)
        if existing is not None
        else Product(id=store.ids.next(), title="", handle="", created_at=now, updated_at=now)
    )
    path = ["input"]
    apply_product_fields(
        store,
        product,
        data,
        created=created,
        path=path,
        errors=errors,
        codes=FIELD_CODES,
        now=now,
        default_handle=default_handle,
    )
    _apply_options_and_variants(store, product, data, created, errors, now)
    collections: list[Collection] | None = None
    if data.get("collections") is not None:
        collections = resolve_manual_collections(
            store, data["collections"], [*path, "collections"], errors, FIELD_CODES
        )
    if data.get("metafields") is not None:
        product.metafields = build_metafields(
            store,
            data["metafields"],
            product.metafields,
            now,
            [*path, "metafields"],
            errors,
            "INVALID_METAFIELD",
        )
    if data.get("files") is not None:
        product.media = set_media(
            store, data["files"], product.media, now, [*path, "files"], errors
        )
    _link_variant_files(store, product, data.get("variants"), now, errors)
    if errors:
        return WriteResult(None, errors)
    result = commit_product(store, product, existing, collections)
    redirect_old_handle(store, existing, result.product, data)
    return result


def _link_variant_files(
    store: Store,
    product: Product,
    variants_in: list[dict[str, Any]] | None,
    now: Any,
    errors: list[UserError],
) -> None:
    """ProductVariantSetInput.file: the variant shows that media (added to the product from a
    URL when it is not there yet)."""
    if not variants_in or len(variants_in) != len(product.variants):
        return
    by_position = sorted(
        zip(variants_in, range(len(variants_in)), strict=True),
        key=lambda pair: pair[0].get("position") or pair[1] + 1,
    )
    for variant, (item, index) in zip(product.variants, by_position, strict=True):
        given = item.get("file")
        if given is None:
            continue
        path = ["input", "variants", str(index), "file"]
        if given.get("id"):
            media_id = parse_numeric_gid(given["id"], "MediaImage")
            if media_id is None or all(m.id != media_id for m in product.media):
                errors.append(UserError([*path, "id"], "File does not exist", "NOT_FOUND"))
                continue
            variant.media_ids = [media_id]
        elif given.get("originalSource"):
            url = given["originalSource"]
            media = next((m for m in product.media if url in (m.url, m.source_url)), None)
            if media is None:
                media = media_from_source(store, given, now, path, errors)
                if media is None:
                    continue
                product.media = [*product.media, media]
            variant.media_ids = [media.id]


def commit_product(
    store: Store,
    product: Product,
    existing: Product | None,
    collections: list[Collection] | None = None,
) -> WriteResult:
    """Store `product` if it differs from `existing`, moving updatedAt only on real change."""
    created = existing is None
    changed = created or not same_content(product, existing)
    if changed:
        if existing is not None:
            product.updated_at = store.next_timestamp(existing.updated_at)
            _stamp_variants(store, product, existing)
        store.save_product(product, created=created)
        stored = product
    else:
        assert existing is not None
        stored = existing
    if collections is not None:
        set_manual_membership(store, stored.id, collections)
    return WriteResult(stored, [], changed=changed, created=created)


def _stamp_variants(store: Store, product: Product, existing: Product) -> None:
    old = {v.id: v for v in existing.variants}
    for variant in product.variants:
        previous = old.get(variant.id)
        if previous is not None and not same_content(previous, variant):
            variant.updated_at = store.next_timestamp(previous.updated_at)


def _find_target(
    store: Store, identifier: dict[str, Any] | None
) -> tuple[Product | None, str | None, UserError | None]:
    if not identifier:
        return None, None, None
    if identifier.get("id"):
        product_id = parse_numeric_gid(identifier["id"], "Product")
        product = store.products.get(product_id) if product_id is not None else None
        if product is None:
            return (
                None,
                None,
                UserError(["identifier", "id"], "Product does not exist", "PRODUCT_DOES_NOT_EXIST"),
            )
        return product, None, None
    if identifier.get("handle"):
        handle = identifier["handle"]
        return store.product_by_handle(handle), handle, None
    return None, None, None


def _identifier_mismatch(
    data: dict[str, Any], identifier: dict[str, Any] | None
) -> UserError | None:
    """An upsert by handle whose input names another handle is refused (Shopify's wording)."""
    wanted = (identifier or {}).get("handle")
    given = data.get("handle")
    if wanted and given and given != wanted:
        return UserError(
            ["input", "handle"],
            "The identifier value does not match the value of the corresponding field in the "
            "input.",
            "INPUT_MISMATCH",
        )
    return None


def _apply_options_and_variants(
    store: Store,
    product: Product,
    data: dict[str, Any],
    created: bool,
    errors: list[UserError],
    now: Any,
) -> None:
    options_in = data.get("productOptions")
    variants_in = data.get("variants")
    if variants_in is not None and len(variants_in) > MAX_VARIANTS:
        errors.append(
            UserError(
                ["input", "variants"],
                f"Exceeded the maximum of {MAX_VARIANTS} variants.",
                "VARIANTS_OVER_LIMIT",
            )
        )
        return
    if options_in is not None and variants_in is None:
        errors.append(
            UserError(
                ["input", "variants"],
                "Variants input is required when product options are provided.",
                "VARIANTS_INPUT_MISSING",
            )
        )
        return
    if variants_in is not None and options_in is None and created:
        errors.append(
            UserError(
                ["input", "productOptions"],
                "Product options input is required when variants are provided.",
                "PRODUCT_OPTIONS_INPUT_MISSING",
            )
        )
        return
    if options_in is None and variants_in is None:
        if created:
            product.options = default_options(store)
            product.variants = [
                new_variant(store, product.id, [o.values[0].name for o in product.options], now)
            ]
        return
    assert variants_in is not None
    options = (
        build_options(
            store, options_in, product.options, ["input", "productOptions"], errors, OPTION_CODES
        )
        if options_in
        else product.options or default_options(store)
    )
    product.options = options
    product.variants = _build_variants(store, product, options, variants_in, errors, now)


def _build_variants(
    store: Store,
    product: Product,
    options: list[ProductOption],
    inputs: list[dict[str, Any]],
    errors: list[UserError],
    now: Any,
) -> list[Variant]:
    old_by_id = {v.id: v for v in product.variants}
    old_by_values = {tuple(v.option_values): v for v in product.variants}
    seen: set[tuple[str, ...]] = set()
    used_ids: set[int] = set()
    result: list[tuple[int, Variant]] = []
    lookup = OptionIndex(options)
    for index, item in enumerate(inputs):
        path = ["input", "variants", str(index)]
        entries = item.get("optionValues") or []
        values = lookup.names(entries)
        if values is None:
            values = resolve_option_values(
                options, entries, [*path, "optionValues"], errors, OPTION_CODES, lookup
            )
            if values is None:
                continue
        key = tuple(values)
        if key in seen:
            errors.append(
                UserError(
                    path,
                    f"The variant '{variant_title(values)}' already exists.",
                    "INVALID_VARIANT",
                )
            )
            continue
        seen.add(key)
        given_id = item.get("id")
        if given_id:
            variant = _variant_by_id(given_id, old_by_id, path, errors)
            if variant is None:
                continue
        else:
            variant = old_by_values.get(key)
            if variant is not None and variant.id in used_ids:
                variant = None
        if variant is None:
            variant = new_variant(store, product.id, values, now)  # with these values and title
        else:
            variant.option_values = list(values)
            variant.title = variant_title(values)
        used_ids.add(variant.id)
        apply_variant_fields(
            store, variant, item, path, errors, "INVALID_VARIANT", now, location_code="NOT_FOUND"
        )
        result.append((item.get("position") or index + 1, variant))
    result.sort(key=lambda pair: pair[0])
    variants = [variant for _, variant in result]
    for position, variant in enumerate(variants, start=1):
        variant.position = position
    return variants


def _variant_by_id(
    gid: str, old_by_id: dict[int, Variant], path: list[str], errors: list[UserError]
) -> Variant | None:
    variant_id = parse_numeric_gid(gid, "ProductVariant")
    variant = old_by_id.get(variant_id) if variant_id is not None else None
    if variant is None:
        errors.append(
            UserError(
                [*path, "id"], "Product variant does not exist", "PRODUCT_VARIANT_DOES_NOT_EXIST"
            )
        )
    return variant
