"""The rows a create request makes (the create rules), as plain rows (see `rows`)."""

from __future__ import annotations

from decimal import Decimal

from product_dashboard.kit.money import to_cents
from product_dashboard.models.inventory import WeightUnit
from product_dashboard.product.image_store import local_name_of
from product_dashboard.product.normalize import (
    FieldErrors,
    NormalVariant,
    normalize_images,
    normalize_options_and_variants,
    normalize_tags,
)
from product_dashboard.product.rows import (
    NewImage,
    NewMetafield,
    NewOption,
    NewProduct,
    NewTag,
    NewVariant,
)
from product_dashboard.product.schemas import MetafieldIn, ProductCreate, VariantIn, hs_codes_in
from product_dashboard.product.write_rules import (
    linked_values,
    merge_extra_columns,
    refresh_derived,
    weight_given,
)

# Written as given when given (as `service.write_fields` edits them).
DETAIL_NAMES = (
    "seo_title",
    "seo_description",
    "template_suffix",
    "gift_card",
    "published_online_store",
    "gift_card_template_suffix",
    "requires_selling_plan",
    "combined_listing_role",
)


def new_rows(data: ProductCreate, handle: str, errors: FieldErrors) -> NewProduct:
    """The rows of the product `data` makes, with `handle` (as `service.new_handle` gave it,
    `errors` holding what it found); raises Unprocessable (the fields' errors) when `data`
    is not a valid product, before anything is written."""
    options, variants = normalize_options_and_variants(
        data.options or [], data.variants if data.variants is not None else [VariantIn()], errors
    )
    errors.raise_if_any()
    fields = data.model_fields_set
    product = NewProduct(
        title=data.title.strip(),
        handle=handle,
        status=data.status or "draft",
        description_html=data.description_html or "",
        vendor=data.vendor.strip() if data.vendor is not None else "",
        product_type=data.product_type.strip() if data.product_type is not None else "",
        extra_columns=merge_extra_columns(None, data.extra_columns),
    )
    if "category" in fields and data.category is not None:
        product.category_id, product.category_name = data.category.id, data.category.name
    for name in DETAIL_NAMES:
        if name in fields:
            setattr(product, name, getattr(data, name))
    product.tags = [
        NewTag(position=position, name=name, tag_key=name.lower())
        for position, name in enumerate(normalize_tags(data.tags or []))
    ]
    product.images = [
        NewImage(
            position=position,
            src=image.src,
            alt=image.alt,
            local_file=local_name_of(image.src),
            shopify_media_id=image.shopify_media_id,
        )
        for position, image in enumerate(normalize_images(data.images or []), start=1)
    ]
    links = {o.name.strip().lower(): o.linked_metafield for o in data.options or []}
    for position, normal in enumerate(options, start=1):
        link = links.get(normal.name.lower())
        product.options.append(
            NewOption(
                position=position,
                name=normal.name,
                values=list(normal.values),
                linked_metafield_namespace=link.namespace if link else None,
                linked_metafield_key=link.key if link else None,
                linked_metafield_values=linked_values(None, link, normal.values),
            )
        )
    images = {i.src: i for i in product.images}
    for index, normal_variant in enumerate(variants):
        variant = _variant(normal_variant, index, images, errors)
        product.variants.append(variant)
        if normal_variant.given.metafields is not None:
            product.metafields.extend(_metafields(normal_variant.given.metafields, variant))
    errors.raise_if_any()
    if data.metafields is not None:
        product.metafields.extend(_metafields(data.metafields, None))
    refresh_derived(product)
    return product


def _variant(
    normal: NormalVariant, index: int, images: dict[str, NewImage], errors: FieldErrors
) -> NewVariant:
    given = normal.given
    padded = [*normal.option_values, None, None, None]
    variant = NewVariant(
        position=index + 1,
        title=normal.title,
        sku=normal.sku,
        barcode=normal.barcode,
        price_cents=normal.price_cents,
        compare_at_price_cents=normal.compare_at_price_cents,
        inventory_quantity=normal.inventory_quantity,
        option1=padded[0],
        option2=padded[1],
        option3=padded[2],
        taxable=given.taxable,
        tax_code=given.tax_code,
        requires_shipping=given.requires_shipping,
        fulfillment_service=given.fulfillment_service,
        inventory_tracked=given.inventory_tracked,
        inventory_policy=given.inventory_policy,
        cost_cents=to_cents(given.cost) if given.cost is not None else None,
        country_of_origin=given.country_of_origin,
        hs_code=given.hs_code,
        show_unit_price=given.show_unit_price,
        requires_components=given.requires_components,
        province_code_of_origin=given.province_code_of_origin,
        extra_columns=merge_extra_columns(None, normal.extra_columns),
    )
    variant.country_hs_codes = hs_codes_in(given.country_hs_codes)
    if normal.weight_grams is not None:
        variant.weight_value = Decimal(normal.weight_grams)
        variant.weight_unit = WeightUnit.grams.value
    if given.unit_price_measurement is not None:
        variant.unit_price_measurement = given.unit_price_measurement.to_measure()
    if weight_given(given, True):
        variant.weight_value = given.weight_value
        variant.weight_unit = (
            (given.weight_unit or WeightUnit.grams) if given.weight_value is not None else None
        )
    image = images.get(given.image_src or "")
    if given.image_src is not None and image is None:
        errors.add(["variants", index, "image_src"], "must be the src of one of the images")
    variant.image = image
    return variant


def _metafields(given: list[MetafieldIn], variant: NewVariant | None) -> list[NewMetafield]:
    """A product's (variant None) or a variant's metafields: the last of each key, in the
    order of their first."""
    return [
        NewMetafield(namespace=m.namespace, key=m.key, type=m.type, value=m.value, variant=variant)
        for m in {(m.namespace, m.key): m for m in given}.values()
    ]
