"""productVariantsBulkCreate / Update / Delete."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shopify_emulator.catalog.options import (
    DEFAULT_OPTION,
    MAX_OPTIONS,
    MAX_VARIANTS,
    OptionCodes,
    resolve_option_values,
    variant_title,
)
from shopify_emulator.catalog.product_set import commit_product
from shopify_emulator.catalog.records import clone
from shopify_emulator.catalog.variant_fields import apply_variant_fields, new_variant
from shopify_emulator.clock import utc_now
from shopify_emulator.gid import parse_numeric_gid
from shopify_emulator.models import OptionValue, Product, ProductOption, UserError, Variant
from shopify_emulator.store import Store

CREATE_CODES = OptionCodes(
    over_limit="OPTION_VALUES_FOR_NUMBER_OF_UNKNOWN_OPTIONS",
    duplicated_name=None,
    duplicated_value=None,
    option_missing="OPTION_VALUES_FOR_NUMBER_OF_UNKNOWN_OPTIONS",
    value_missing="NEED_TO_ADD_OPTION_VALUES",
    values_incomplete="NEED_TO_ADD_OPTION_VALUES",
    duplicate_variant="VARIANT_ALREADY_EXISTS",
)
UPDATE_CODES = OptionCodes(
    over_limit=None,
    duplicated_name=None,
    duplicated_value=None,
    option_missing="OPTION_DOES_NOT_EXIST",
    value_missing="OPTION_VALUE_DOES_NOT_EXIST",
    values_incomplete="NEED_TO_ADD_OPTION_VALUES",
    duplicate_variant="VARIANT_ALREADY_EXISTS",
)


@dataclass
class VariantsResult:
    product: Product | None
    variants: list[Variant] | None
    errors: list[UserError] = field(default_factory=list)


def _product(store: Store, product_gid: str) -> Product | None:
    product_id = parse_numeric_gid(product_gid, "Product")
    return store.products.get(product_id) if product_id is not None else None


def _missing_product() -> VariantsResult:
    return VariantsResult(
        None, None, [UserError(["productId"], "Product does not exist", "PRODUCT_DOES_NOT_EXIST")]
    )


def _is_standalone(product: Product) -> bool:
    return len(product.options) == 1 and product.options[0].name == DEFAULT_OPTION


def _ensure_values(
    store: Store, product: Product, inputs: list[dict[str, Any]], errors: list[UserError]
) -> None:
    """Add option values (and options, up to 3) named by new variants, as Shopify does."""
    for index, variant_in in enumerate(inputs):
        for item in variant_in.get("optionValues") or []:
            name = (item.get("optionName") or "").strip()
            value = (item.get("name") or "").strip()
            if not name or not value:
                continue
            option = next((o for o in product.options if o.name.lower() == name.lower()), None)
            if option is None:
                if len(product.options) >= MAX_OPTIONS:
                    errors.append(
                        UserError(
                            ["variants", str(index), "optionValues"],
                            f"Can only specify a maximum of {MAX_OPTIONS} options",
                            CREATE_CODES.over_limit,
                        )
                    )
                    continue
                option = ProductOption(store.ids.next(), name, len(product.options) + 1, [])
                product.options.append(option)
            if not any(v.name.lower() == value.lower() for v in option.values):
                option.values.append(OptionValue(store.ids.next(), value))


def variants_bulk_create(
    store: Store, product_gid: str, inputs: list[dict[str, Any]], strategy: str
) -> VariantsResult:
    existing = _product(store, product_gid)
    if existing is None:
        return _missing_product()
    errors: list[UserError] = []
    now = utc_now()
    product = clone(existing)
    drop_standalone = _is_standalone(product) and (
        strategy == "REMOVE_STANDALONE_VARIANT"
        or all(
            all((i.get("optionName") or "") != DEFAULT_OPTION for i in v.get("optionValues") or [])
            for v in inputs
        )
    )
    if drop_standalone:
        product.options, product.variants = [], []
    _ensure_values(store, product, inputs, errors)
    existing_keys = {tuple(v.option_values) for v in product.variants}
    created: list[Variant] = []
    for index, item in enumerate(inputs):
        path = ["variants", str(index)]
        values = resolve_option_values(
            product.options,
            item.get("optionValues") or [],
            [*path, "optionValues"],
            errors,
            CREATE_CODES,
        )
        if values is None:
            continue
        if tuple(values) in existing_keys:
            errors.append(
                UserError(
                    path,
                    f"The variant '{variant_title(values)}' already exists.",
                    "VARIANT_ALREADY_EXISTS",
                )
            )
            continue
        existing_keys.add(tuple(values))
        variant = new_variant(store, product.id, values, now)
        apply_variant_fields(
            store,
            variant,
            item,
            path,
            errors,
            "INVALID",
            now,
            "NEGATIVE_PRICE_VALUE",
            location_code="TRACKED_VARIANT_LOCATION_NOT_FOUND",
        )
        created.append(variant)
    product.variants.extend(created)
    if len(product.variants) > MAX_VARIANTS:
        errors.append(
            UserError(["variants"], f"Exceeded the maximum of {MAX_VARIANTS} variants.", "INVALID")
        )
    if errors:
        return VariantsResult(None, None, errors)
    _pad_missing_options(product)
    for position, variant in enumerate(product.variants, start=1):
        variant.position = position
    result = commit_product(store, product, existing)
    return VariantsResult(result.product, created)


def _pad_missing_options(product: Product) -> None:
    # Variants created before an option was added take that option's first value.
    for variant in product.variants:
        while len(variant.option_values) < len(product.options):
            variant.option_values.append(product.options[len(variant.option_values)].values[0].name)
        variant.title = variant_title(variant.option_values)


def variants_bulk_update(
    store: Store, product_gid: str, inputs: list[dict[str, Any]], allow_partial: bool
) -> VariantsResult:
    existing = _product(store, product_gid)
    if existing is None:
        return _missing_product()
    errors: list[UserError] = []
    now = utc_now()
    product = clone(existing)
    by_id = {v.id: v for v in product.variants}
    updated: list[Variant] = []
    for index, item in enumerate(inputs):
        path = ["variants", str(index)]
        if not item.get("id"):
            errors.append(
                UserError(
                    [*path, "id"],
                    "Product variant is missing ID attribute",
                    "PRODUCT_VARIANT_ID_MISSING",
                )
            )
            continue
        variant_id = parse_numeric_gid(item["id"], "ProductVariant")
        variant = by_id.get(variant_id) if variant_id is not None else None
        if variant is None:
            errors.append(
                UserError(
                    [*path, "id"],
                    "Product variant does not exist",
                    "PRODUCT_VARIANT_DOES_NOT_EXIST",
                )
            )
            continue
        before = len(errors)
        if item.get("optionValues"):
            values = resolve_option_values(
                product.options, item["optionValues"], [*path, "optionValues"], errors, UPDATE_CODES
            )
            if values is not None:
                variant.option_values = values
                variant.title = variant_title(values)
        apply_variant_fields(
            store, variant, item, path, errors, "INVALID_INPUT", now, "NEGATIVE_PRICE_VALUE"
        )
        if len(errors) == before:
            updated.append(variant)
    if errors and not allow_partial:
        return VariantsResult(None, None, errors)
    if not updated:
        return VariantsResult(existing, [], errors)
    result = commit_product(store, product, existing)
    return VariantsResult(result.product, updated, errors)


def variants_bulk_delete(store: Store, product_gid: str, variant_gids: list[str]) -> VariantsResult:
    existing = _product(store, product_gid)
    if existing is None:
        return _missing_product()
    ids = {parse_numeric_gid(g, "ProductVariant") for g in variant_gids}
    own = {v.id for v in existing.variants}
    if not ids <= own:
        return VariantsResult(
            None,
            None,
            [
                UserError(
                    ["variantsIds"],
                    "At least one variant does not belong to the product",
                    "AT_LEAST_ONE_VARIANT_DOES_NOT_BELONG_TO_THE_PRODUCT",
                )
            ],
        )
    if ids >= own:
        return VariantsResult(
            None,
            None,
            [
                UserError(
                    ["variantsIds"],
                    "Cannot delete the last variant of a product",
                    "CANNOT_DELETE_LAST_VARIANT",
                )
            ],
        )
    product = clone(existing)
    product.variants = [v for v in product.variants if v.id not in ids]
    for position, variant in enumerate(product.variants, start=1):
        variant.position = position
    result = commit_product(store, product, existing)
    return VariantsResult(result.product, None)
