"""Three-way, per-field comparison of base (last sync), local (dashboard) and remote (Shopify).

Fields: title, description, vendor, type, status, handle, tags (as a set), options, category,
SEO, template, gift card, publication, media (src and alt, in order), metafields, and per variant
price, compare-at price, SKU, barcode, inventory, taxable, requires shipping, image and
metafields. A field the remote side did not carry (`SyncProduct.unknown`) is taken as unchanged
there. Variants are matched by Shopify
variant id where both sides know it, else by option values; a variant present on some sides only
is compared as a whole (`variants[<key>]`, value None when absent).

Per field: equal on both sides → nothing to do; changed on one side only → that side wins
(merged without asking); changed on both sides to different values → a conflict. Inventory is
not in push snapshots (the push does not send quantities), so without a recorded base value
Shopify's count is taken: it is the system of record for stock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from product_dashboard.conflict.snapshot import UNKNOWN_INVENTORY
from product_dashboard.kit.hs_codes import CountryHsCodes
from product_dashboard.kit.unit_price import UnitPriceMeasure
from product_dashboard.models.inventory import whole_grams
from product_dashboard.shopify.mapping import (
    DETAIL_FIELDS,
    ITEM_FIELDS,
    MEDIA,
    METAFIELDS,
    VARIANT_METAFIELDS,
    SyncImage,
    SyncMetafield,
    SyncOption,
    SyncProduct,
    SyncVariant,
    cents_to_money,
    is_default_only,
    item_values,
    money_to_cents,
)

PRODUCT_FIELDS = (
    "title",
    "description_html",
    "vendor",
    "product_type",
    "status",
    "handle",
    "category_id",
    *DETAIL_FIELDS,
)
# Quantities are not compared field by field: Shopify changes them with every sale, so they are
# merged by inventory.levels (never a conflict, never copied over a local edit).
VARIANT_FIELDS = (
    "price",
    "compare_at_price",
    "sku",
    "barcode",
    "taxable",
    "requires_shipping",
    "image_src",
    "metafields",
    *ITEM_FIELDS,
)
_LABELS = {
    "title": "Title",
    "description_html": "Description",
    "vendor": "Vendor",
    "product_type": "Product type",
    "status": "Status",
    "handle": "Handle",
    "tags": "Tags",
    "options": "Options",
    "price": "price",
    "compare_at_price": "compare-at price",
    "sku": "SKU",
    "barcode": "barcode",
    "inventory_quantity": "inventory",
    "category_id": "Category",
    "seo_title": "SEO title",
    "seo_description": "SEO description",
    "template_suffix": "Theme template",
    "gift_card": "Gift card",
    "published_online_store": "Published on the online store",
    "images": "Media",
    "metafields": "Metafields",
    "taxable": "taxable",
    "requires_shipping": "requires shipping",
    "image_src": "image",
    "inventory_tracked": "tracks inventory",
    "inventory_policy": "sells when out of stock",
    "cost_cents": "cost per item",
    "country_of_origin": "country of origin",
    "hs_code": "HS code",
    "weight_value": "weight",
    "unit_price_measurement": "unit price measurement",
    "gift_card_template_suffix": "Gift card template",
    "requires_selling_plan": "Sold only as a subscription",
    "combined_listing_role": "Combined listing role",
    "show_unit_price": "shows its unit price",
    "requires_components": "sold only as a bundle",
    "province_code_of_origin": "province of origin",
    "country_hs_codes": "HS codes by country",
}


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Side(StrEnum):
    same = "same"
    local = "local"
    remote = "remote"
    conflict = "conflict"


@dataclass(slots=True)
class FieldDiff:
    path: str
    label: str
    base: Any
    local: Any
    remote: Any
    side: Side

    @property
    def merged(self) -> Any:
        """The value kept for now: remote only for a remote-only change; conflicts stay local."""
        return self.remote if self.side is Side.remote else self.local

    def as_record(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "label": self.label,
            "base": None if self.base is MISSING else self.base,
            "local": self.local,
            "remote": self.remote,
        }


@dataclass(slots=True)
class Comparison:
    """All fields that differ somewhere, and the product merged from the one-sided changes."""

    diffs: list[FieldDiff]
    merged: SyncProduct

    @property
    def conflicts(self) -> list[FieldDiff]:
        return [d for d in self.diffs if d.side is Side.conflict]

    @property
    def remote_changes(self) -> list[FieldDiff]:
        return [d for d in self.diffs if d.side is Side.remote]

    @property
    def local_changes(self) -> list[FieldDiff]:
        return [d for d in self.diffs if d.side is Side.local]


def variant_key(option_values: Iterable[str]) -> str:
    return " / ".join(option_values)


def _variant_values(variant: SyncVariant) -> dict[str, Any]:
    return {
        "price": cents_to_money(variant.price_cents),
        "compare_at_price": (
            cents_to_money(variant.compare_at_price_cents)
            if variant.compare_at_price_cents is not None
            else None
        ),
        "sku": variant.sku or None,
        "barcode": variant.barcode or None,
        "inventory_quantity": (
            MISSING
            if variant.inventory_quantity in (None, UNKNOWN_INVENTORY)
            else variant.inventory_quantity
        ),
        "taxable": variant.taxable,
        "requires_shipping": variant.requires_shipping,
        "image_src": variant.image_src,
        "metafields": _metafields(variant.metafields),
        **item_values(variant),
    }


def _metafields(metafields: Iterable[SyncMetafield]) -> list[list[str]]:
    return sorted([m.namespace, m.key, m.type, m.value] for m in metafields)


def _images(images: Iterable[SyncImage]) -> list[list[str | None]]:
    return [[i.src, i.alt] for i in images]


def _unknown_variant_fields(product: SyncProduct) -> set[str]:
    unknown = {
        name
        for name in ("taxable", "requires_shipping", "image_src", *ITEM_FIELDS)
        if not product.knows(name)
    }
    if not (product.knows(METAFIELDS) and product.knows(VARIANT_METAFIELDS)):
        unknown.add("metafields")
    return unknown


def _whole_variant(variant: SyncVariant | None) -> dict[str, Any] | None:
    """A variant as one comparable value (inventory left out: bases do not record it)."""
    if variant is None:
        return None
    values = _variant_values(variant)
    values.pop("inventory_quantity")
    for name in ("taxable", "requires_shipping", "image_src", "metafields", *ITEM_FIELDS):
        values.pop(name)  # a side may not know them: whole variants compare the core fields
    return {"option_values": list(variant.option_values), **values}


def _tags(tags: Iterable[str]) -> list[str]:
    return sorted({t.strip() for t in tags if t.strip()}, key=str.lower)


def _options(options: list[SyncOption]) -> list[dict[str, Any]]:
    return [{"name": o.name, "values": list(o.values)} for o in options]


def _decide(base: Any, local: Any, remote: Any, *, base_optional: bool = False) -> Side:
    if local == remote:
        return Side.same
    if base is MISSING and base_optional:
        return Side.remote
    if base == local:
        return Side.remote
    if base == remote:
        return Side.local
    return Side.conflict


def _keyed(product: SyncProduct, by_id: dict[str, str] | None = None) -> dict[str, SyncVariant]:
    """Variants by their option values (`by_id`: keys given by Shopify variant id). Shopify's
    stand-in for no options keys as no options, as its reads and the base map it: a product
    stored here with "Title: Default Title" keys its variant as they do."""
    default_only = is_default_only(product.options)
    keyed: dict[str, SyncVariant] = {}
    for variant in product.variants:
        key = None
        if by_id is not None and variant.shopify_variant_id:
            key = by_id.get(variant.shopify_variant_id)
        if key is None:
            key = variant_key(() if default_only else variant.option_values)
        keyed.setdefault(key, variant)
    return keyed


def _compared_options(options: list[SyncOption]) -> list[dict[str, Any]]:
    return [] if is_default_only(options) else _options(options)


def compare(base: SyncProduct | None, local: SyncProduct, remote: SyncProduct) -> Comparison:
    """Diff the three sides field by field and build the merge of one-sided changes.

    Without a base (never synced) every difference is a conflict: nobody can tell who changed it.
    """
    diffs: list[FieldDiff] = []

    def add(path: str, label: str, b: Any, l_: Any, r: Any, *, base_optional: bool = False) -> None:
        side = _decide(b, l_, r, base_optional=base_optional)
        if side is not Side.same:
            diffs.append(FieldDiff(path, label, b, l_, r, side))

    for name in PRODUCT_FIELDS:
        b = getattr(base, name) if base is not None else MISSING
        r = getattr(remote, name) if remote.knows(name) else getattr(local, name)
        add(name, _LABELS[name], b, getattr(local, name), r)
    if remote.knows(MEDIA):
        add(
            "images",
            _LABELS["images"],
            _images(base.images) if base is not None else MISSING,
            _images(local.images),
            _images(remote.images),
        )
    if remote.knows(METAFIELDS):
        add(
            "metafields",
            _LABELS["metafields"],
            _metafields(base.metafields) if base is not None else MISSING,
            _metafields(local.metafields),
            _metafields(remote.metafields),
        )
    add(
        "tags",
        _LABELS["tags"],
        _tags(base.tags) if base is not None else MISSING,
        _tags(local.tags),
        _tags(remote.tags),
    )
    add(
        "options",
        _LABELS["options"],
        _compared_options(base.options) if base is not None else MISSING,
        _compared_options(local.options),
        _compared_options(remote.options),
    )

    local_by_key = _keyed(local)
    local_ids = {
        v.shopify_variant_id: key for key, v in local_by_key.items() if v.shopify_variant_id
    }
    remote_by_key = _keyed(remote, local_ids)
    base_by_key = _keyed(base) if base is not None else {}
    keys = list(local_by_key) + [k for k in remote_by_key if k not in local_by_key]
    keys += [k for k in base_by_key if k not in local_by_key and k not in remote_by_key]
    merged_variants: list[tuple[str, dict[str, Any] | None]] = []
    remote_unknown = _unknown_variant_fields(remote)
    for key in keys:
        lv, rv, bv = local_by_key.get(key), remote_by_key.get(key), base_by_key.get(key)
        label = f"Variant {key or 'Default'}"
        if lv is not None and rv is not None:
            merged_values: dict[str, Any] = {}
            lvals, rvals = _variant_values(lv), _variant_values(rv)
            rvals.update({name: lvals[name] for name in remote_unknown})
            bvals = _variant_values(bv) if bv is not None else dict.fromkeys(lvals, MISSING)
            if base is None:
                bvals = dict.fromkeys(lvals, MISSING)
            for sub in VARIANT_FIELDS:
                path = f"variants[{key}].{sub}"
                before = len(diffs)
                add(
                    path,
                    f"{label} · {_LABELS[sub]}",
                    bvals[sub],
                    lvals[sub],
                    rvals[sub],
                )
                diff = diffs[-1] if len(diffs) > before else None
                merged_values[sub] = diff.merged if diff is not None else lvals[sub]
            merged_values["inventory_quantity"] = lv.inventory_quantity
            merged_values["option_values"] = list(lv.option_values)
            merged_values["shopify_variant_id"] = rv.shopify_variant_id or lv.shopify_variant_id
            merged_values["weight_grams"] = lv.weight_grams
            merged_values["tax_code"] = lv.tax_code
            merged_variants.append((key, merged_values))
            continue
        path = f"variants[{key}]"
        b_whole = _whole_variant(bv) if base is not None else MISSING
        before = len(diffs)
        add(path, label, b_whole, _whole_variant(lv), _whole_variant(rv))
        diff = diffs[-1] if len(diffs) > before else None
        chosen = rv if diff is not None and diff.side is Side.remote else lv
        if chosen is None:
            merged_variants.append((key, None))
        else:
            values = _variant_values(chosen)
            if values["inventory_quantity"] is MISSING:
                values["inventory_quantity"] = None  # not read: unknown, not 0
            values["option_values"] = list(chosen.option_values)
            values["shopify_variant_id"] = chosen.shopify_variant_id
            values["weight_grams"] = chosen.weight_grams
            values["tax_code"] = chosen.tax_code
            merged_variants.append((key, values))

    merged = _rebuild(local, {d.path: d.merged for d in diffs if d.side is Side.remote})
    _take_remote_ids(merged, remote, {d.path for d in diffs if d.side is Side.remote})
    merged.variants = [_variant_from_values(v) for _, v in merged_variants if v is not None]
    return Comparison(diffs=diffs, merged=merged)


def _take_remote_ids(merged: SyncProduct, remote: SyncProduct, taken: set[str]) -> None:
    """Lists and names taken from Shopify keep what identifies them there (media and metafield
    ids, the category's name)."""
    if "images" in taken:
        merged.images = list(remote.images)
    if "metafields" in taken:
        merged.metafields = list(remote.metafields)
    if "category_id" in taken:
        merged.category_name = remote.category_name


def _variant_from_values(values: dict[str, Any]) -> SyncVariant:
    compare_at = values.get("compare_at_price")
    variant = SyncVariant(
        sku=values.get("sku"),
        barcode=values.get("barcode"),
        price_cents=money_to_cents(values["price"]),
        compare_at_price_cents=money_to_cents(compare_at) if compare_at else None,
        inventory_quantity=_quantity(values.get("inventory_quantity")),
        weight_grams=values.get("weight_grams"),
        option_values=list(values["option_values"]),
        shopify_variant_id=values.get("shopify_variant_id"),
        taxable=values.get("taxable"),
        requires_shipping=values.get("requires_shipping"),
        tax_code=values.get("tax_code"),
        image_src=values.get("image_src"),
        metafields=[SyncMetafield(*m) for m in values.get("metafields") or ()],
        inventory_tracked=values.get("inventory_tracked"),
        inventory_policy=values.get("inventory_policy"),
        cost_cents=values.get("cost_cents"),
        country_of_origin=values.get("country_of_origin"),
        hs_code=values.get("hs_code"),
        show_unit_price=values.get("show_unit_price"),
        requires_components=values.get("requires_components"),
        province_code_of_origin=values.get("province_code_of_origin"),
    )
    codes = values.get("country_hs_codes")
    if isinstance(codes, str):  # "" is none, read
        variant.country_hs_codes = CountryHsCodes.parse(codes)
    measure = values.get("unit_price_measurement")
    if measure:
        variant.unit_price_measurement = UnitPriceMeasure.parse(measure)
    weight = values.get("weight_value")
    if weight:
        number, _, unit = str(weight).partition(" ")
        variant.weight_value, variant.weight_unit = Decimal(number), unit or "GRAMS"
        variant.weight_grams = whole_grams(variant.weight_value, variant.weight_unit)
    return variant


def _quantity(value: Any) -> int | None:
    return None if value is None or value is MISSING else int(value)


def _rebuild(start: SyncProduct, overrides: dict[str, Any]) -> SyncProduct:
    """A copy of `start` with product-level field values replaced (variants untouched)."""
    product = SyncProduct(
        title=start.title,
        handle=start.handle,
        description_html=start.description_html,
        vendor=start.vendor,
        product_type=start.product_type,
        status=start.status,
        tags=list(start.tags),
        category_id=start.category_id,
        options=[SyncOption(o.name, list(o.values)) for o in start.options],
        variants=list(start.variants),
        shopify_product_id=start.shopify_product_id,
        images=list(start.images),
        category_name=start.category_name,
        seo_title=start.seo_title,
        seo_description=start.seo_description,
        template_suffix=start.template_suffix,
        gift_card=start.gift_card,
        published_online_store=start.published_online_store,
        gift_card_template_suffix=start.gift_card_template_suffix,
        requires_selling_plan=start.requires_selling_plan,
        combined_listing_role=start.combined_listing_role,
        metafields=list(start.metafields),
    )
    product.options = [
        SyncOption(o.name, list(o.values), o.linked_namespace, o.linked_key) for o in start.options
    ]
    for path, value in overrides.items():
        if path in PRODUCT_FIELDS:
            setattr(product, path, value)
        elif path == "images":
            product.images = [SyncImage(src, alt) for src, alt in value]
        elif path == "metafields":
            product.metafields = [SyncMetafield(*m) for m in value]
        elif path == "tags":
            product.tags = list(value)
        elif path == "options":
            product.options = [SyncOption(o["name"], list(o["values"])) for o in value]
    return product


def apply_choices(local: SyncProduct, remote: SyncProduct, choices: dict[str, Any]) -> SyncProduct:
    """`local` with the given field paths set to values (as in `FieldDiff`), variants included.

    Variant paths are `variants[<key>]` (whole variant dict or None) or `variants[<key>].<field>`,
    keys as produced by `compare`; a key unknown locally is taken from `remote`.
    """
    result = _rebuild(local, {p: v for p, v in choices.items() if not p.startswith("variants[")})
    local_by_key = _keyed(local)
    local_ids = {
        v.shopify_variant_id: key for key, v in local_by_key.items() if v.shopify_variant_id
    }
    remote_by_key = _keyed(remote, local_ids)
    variants: dict[str, dict[str, Any] | None] = {}
    for key, variant in local_by_key.items():
        values = _variant_values(variant)
        values.update(
            option_values=list(variant.option_values),
            shopify_variant_id=variant.shopify_variant_id,
            weight_grams=variant.weight_grams,
            tax_code=variant.tax_code,
        )
        variants[key] = values
    for path, value in choices.items():
        if not path.startswith("variants["):
            continue
        key, _, sub = path[len("variants[") :].partition("]")
        sub = sub.lstrip(".")
        if not sub:
            if value is None:
                variants[key] = None
            else:
                remote_variant = remote_by_key.get(key)
                values = {**(variants.get(key) or {}), **value}
                values.setdefault("inventory_quantity", None)
                values.setdefault(
                    "shopify_variant_id",
                    remote_variant.shopify_variant_id if remote_variant else None,
                )
                values.setdefault("weight_grams", None)
                variants[key] = values
        elif variants.get(key) is not None:
            variants[key][sub] = value  # type: ignore[index]
    result.variants = [_variant_from_values(v) for v in variants.values() if v is not None]
    return result
