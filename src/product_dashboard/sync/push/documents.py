"""One push operation per product, built from its snapshot.

`productSet` identifies the product by Shopify id when known, else by handle, so a crash between
Shopify's write and ours is repaired by the next push instead of duplicating; a tombstone becomes
`productDelete`. The aliased batch document, its variables and cost are `shopify.product_set`'s
(`push_batch_document`, `push_batch_variables`, `push_set_cost`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from product_dashboard.conflict.snapshot import (
    ItemDetail,
    SnapshotDetail,
    SnapshotMetafield,
    VariantDetail,
)
from product_dashboard.kit.hs_codes import CountryHsCodes
from product_dashboard.kit.unit_price import UnitPriceMeasure
from product_dashboard.shopify.cost import MUTATION_COST
from product_dashboard.shopify.product_set import (
    media_page,
    push_batch_document,
    push_batch_variables,
    push_set_cost,
    variant_page,
)
from product_dashboard.sync.push.items import PushItem


@dataclass(frozen=True, slots=True)
class Operation:
    """One product's mutation: its kind, variables, and the cost to reserve for it."""

    item: PushItem
    kind: str  # "set" | "delete"
    variables: dict[str, Any]
    cost: int


def operation_for(item: PushItem, redirect_handles: bool = True) -> Operation:
    if item.deleted:
        assert item.shopify_product_id is not None
        return Operation(item, "delete", {"input": {"id": item.shopify_product_id}}, MUTATION_COST)
    page = variant_page(item.variant_count)
    new_media = item.shopify_media_ids.count(None) if item.media_complete else 0
    media = media_page(new_media, len(item.shopify_media_ids))
    variables = {
        "input": product_set_input(item, redirect_handles),
        "identifier": identifier(item),
        "variantPage": page,
        "mediaPage": media,
    }
    return Operation(item, "set", variables, push_set_cost(page, media))


def identifier(item: PushItem) -> dict[str, str]:
    if item.shopify_product_id:
        return {"id": item.shopify_product_id}
    return {"handle": item.handle}


def batch_request(ops: Sequence[Operation]) -> tuple[str, dict[str, Any]]:
    """The aliased document and variables sending these operations in one request."""
    document = push_batch_document(tuple(op.kind for op in ops))
    variables = push_batch_variables(
        [
            (
                op.kind,
                op.variables["input"],
                op.variables.get("identifier"),
                op.variables.get("variantPage", 0),
            )
            for op in ops
        ],
        [op.variables.get("mediaPage", 1) for op in ops],
    )
    return document, variables


def _source(item: PushItem, index: int) -> str:
    """Where Shopify fetches a new image: its staged upload when it was uploaded here."""
    assert item.snapshot is not None
    return item.staged_sources.get(index) or item.snapshot.images[index].src


def _files(item: PushItem) -> list[dict[str, Any]]:
    """The product's media: those Shopify holds by id (kept as they are), new ones by URL or
    staged upload."""
    assert item.snapshot is not None
    files: list[dict[str, Any]] = []
    for index, (image, media_id) in enumerate(
        zip(item.snapshot.images, item.shopify_media_ids, strict=False)
    ):
        if media_id:
            files.append({"id": media_id, "alt": image.alt or ""})
        else:
            source = _source(item, index)
            files.append({"originalSource": source, "alt": image.alt, "contentType": "IMAGE"})
    return files


def _metafields(metafields: Iterable[SnapshotMetafield]) -> list[dict[str, Any]]:
    return [
        {"namespace": m.namespace, "key": m.key, "type": m.type, "value": m.value}
        for m in metafields
    ]


def product_set_input(item: PushItem, redirect_handles: bool = True) -> dict[str, Any]:
    """ProductSetInput from a snapshot.

    productSet replaces every list it is given: variants and options are always given (the
    dashboard owns them); `files` and `metafields` (the product's, and each variant's) only when
    the dashboard holds the store's whole list, so media and metafields it never read are left
    alone. Optional fields are sent
    only when known here (None is "not known", not "clear it"). `redirect_handles`: a handle
    changed here asks Shopify to redirect the old one (`redirectNewHandle`).
    """
    snap = item.snapshot
    assert snap is not None, "a tombstone is deleted, not set"
    detail = snap.detail or SnapshotDetail()
    data: dict[str, Any] = {
        "handle": snap.handle,
        "title": snap.title,
        "descriptionHtml": snap.description_html,
        "vendor": snap.vendor,
        "productType": snap.product_type,
        "status": snap.status.upper(),
        "tags": list(snap.tags),
    }
    if item.media_complete:
        data["files"] = _files(item)
    if item.metafields_complete:
        data["metafields"] = _metafields(detail.metafields)
    if snap.category_id:
        data["category"] = snap.category_id
    # Each SEO field only when known here: productSet keeps what SEOInput leaves out (a product
    # first known from a webhook body, which has no SEO, whose page title was then edited here);
    # "" is a known none, sent as null (Shopify's clear: the title and description shown).
    seo = {
        key: value or None
        for key, value in (("title", detail.seo_title), ("description", detail.seo_description))
        if value is not None
    }
    if seo:
        data["seo"] = seo
    # The template suffixes and the province: "" is a known none, sent as null (Shopify's
    # clear: its default template, no province); None (not known) is not sent.
    if detail.template_suffix is not None:
        data["templateSuffix"] = detail.template_suffix or None
    if detail.gift_card is not None:
        data["giftCard"] = detail.gift_card
    more = detail.extra()
    if more.gift_card_template_suffix is not None:
        data["giftCardTemplateSuffix"] = more.gift_card_template_suffix or None
    if more.requires_selling_plan is not None:
        data["requiresSellingPlan"] = more.requires_selling_plan
    # combinedListingRole is never sent: Shopify's combined listing mutations own it.
    if redirect_handles and item.redirects_handle:
        data["redirectNewHandle"] = True  # the old URL keeps working, as Shopify's admin does
    if snap.variants:
        links = _option_links(item, detail)
        data["productOptions"] = [
            _option_input(option.name, option.values, link)
            for option, link in zip(snap.options, links, strict=False)
        ]
        names = [option.name for option in snap.options]
        variants: list[dict[str, Any]] = []
        for position, (variant, shopify_id) in enumerate(
            zip(snap.variants, item.shopify_variant_ids, strict=False), start=1
        ):
            entry: dict[str, Any] = {
                "optionValues": [
                    _option_value_input(name, value, link)
                    for name, value, link in zip(names, variant.option_values, links, strict=False)
                ],
                "price": variant.price,
                "compareAtPrice": variant.compare_at_price,
                "sku": variant.sku,
                "barcode": variant.barcode,
                "position": position,
            }
            if shopify_id:
                entry["id"] = shopify_id
            entry.update(_variant_detail(detail.variant(position - 1), item, shopify_id))
            variants.append(entry)
        data["variants"] = variants
    return data


@dataclass(frozen=True, slots=True)
class _Link:
    """A metafield-linked option as productSet takes it: its metafield and value metaobjects."""

    namespace: str
    key: str
    metaobjects: dict[str, str]


def _option_links(item: PushItem, detail: SnapshotDetail) -> list[_Link | None]:
    """Per option, its link when it can be sent: linked here, and every value's metaobject
    known (pulled). Otherwise the option goes by name and values, as a plain one."""
    assert item.snapshot is not None
    links: list[_Link | None] = []
    for index, option in enumerate(item.snapshot.options):
        linked = detail.linked_options[index] if index < len(detail.linked_options) else None
        metaobjects = item.linked_values[index] if index < len(item.linked_values) else None
        complete = bool(option.values) and all(v in (metaobjects or {}) for v in option.values)
        if linked is None or metaobjects is None or not complete:
            links.append(None)
        else:
            links.append(_Link(linked[0], linked[1], metaobjects))
    return links


def _option_input(name: str, values: Sequence[str], link: _Link | None) -> dict[str, Any]:
    if link is None:
        return {"name": name, "values": [{"name": value} for value in values]}
    return {
        "name": name,
        "linkedMetafield": {
            "namespace": link.namespace,
            "key": link.key,
            "values": [link.metaobjects[value] for value in values],
        },
    }


def _option_value_input(name: str, value: str, link: _Link | None) -> dict[str, str]:
    if link is None or value not in link.metaobjects:
        return {"optionName": name, "name": value}
    return {"optionName": name, "linkedMetafieldValue": link.metaobjects[value]}


def _inventory_item(item: ItemDetail) -> dict[str, Any]:
    """The item fields known here, as InventoryItemInput takes them (nothing not known)."""
    fields: dict[str, Any] = {}
    if item.tracked is not None:
        fields["tracked"] = item.tracked
    if item.cost is not None:
        fields["cost"] = item.cost
    if item.country_of_origin is not None:
        fields["countryCodeOfOrigin"] = item.country_of_origin
    if item.hs_code is not None:
        fields["harmonizedSystemCode"] = item.hs_code
    more = item.extra()
    if more.province_code_of_origin is not None:
        fields["provinceCodeOfOrigin"] = more.province_code_of_origin or None
    if more.country_hs_codes is not None:  # held whole here ("" is none): the list replaces
        fields["countryHarmonizedSystemCodes"] = CountryHsCodes.parse(
            more.country_hs_codes
        ).to_shopify()
    if item.weight_value is not None:
        fields["measurement"] = {
            "weight": {"value": float(item.weight_value), "unit": item.weight_unit or "GRAMS"}
        }
    return fields


def _variant_detail(
    detail: VariantDetail, item: PushItem, shopify_id: str | None
) -> dict[str, Any]:
    """The variant fields known here, as ProductVariantSetInput takes them."""
    entry: dict[str, Any] = {}
    if detail.taxable is not None:
        entry["taxable"] = detail.taxable
    if detail.tax_code is not None:
        entry["taxCode"] = detail.tax_code
    inventory_item: dict[str, Any] = {}
    if detail.requires_shipping is not None:
        inventory_item["requiresShipping"] = detail.requires_shipping
    if detail.inventory_item is not None:
        inventory_item.update(_inventory_item(detail.inventory_item))
        if detail.inventory_item.inventory_policy is not None:
            entry["inventoryPolicy"] = detail.inventory_item.inventory_policy
        measure = detail.inventory_item.unit_price_measurement
        if measure is not None:  # None: not known here, so Shopify's is left as it is
            entry["unitPriceMeasurement"] = UnitPriceMeasure.parse(measure).to_shopify()
        more = detail.inventory_item.extra()
        if more.show_unit_price is not None:
            entry["showUnitPrice"] = more.show_unit_price
        if more.requires_components is not None:
            entry["requiresComponents"] = more.requires_components
    if inventory_item:
        entry["inventoryItem"] = inventory_item
    if detail.image_src is not None and item.media_complete and item.snapshot is not None:
        srcs = [image.src for image in item.snapshot.images]
        if detail.image_src in srcs:
            index = srcs.index(detail.image_src)
            media_id = item.shopify_media_ids[index]
            entry["file"] = (
                {"id": media_id}
                if media_id
                else {"originalSource": _source(item, index), "contentType": "IMAGE"}
            )
    # A variant Shopify holds keeps the metafields it has there unless every one is known here
    # (its list would replace them); a new variant has none there yet.
    if detail.metafields and (item.variant_metafields_complete or shopify_id is None):
        entry["metafields"] = _metafields(detail.metafields)
    return entry
