"""Our canonical product shape for sync (`SyncProduct`), read from Shopify's GraphQL shapes.

What the push sends is built from the stored snapshot (sync/push/documents.py); this module reads
what Shopify holds (pull, webhooks, conflict detection) and compares the two. Choices worth
knowing:

* A product without options is stored by Shopify as option "Title" with value "Default Title";
  `from_shopify_product` maps that back to no options.
* Inventory: Shopify reads back `inventoryQuantity` summed over all locations;
  `content_hash(..., include_inventory=False)` compares everything else.
* `content_hash` compares two `SyncProduct`s (tag and variant order, ids and image URLs do not
  count: an echo of our push hashes the same). It is not the stored `synced_hash`: that is the
  snapshot hash of `conflict.snapshot.SyncedSnapshot`.
* Shopify rewrites image URLs to its CDN, so image URLs are not part of the content hash —
  otherwise our own pushes would never be recognised when they come back (their alt texts and
  number are).
* Fields a source does not carry are listed in `SyncProduct.unknown` (a webhook body has no SEO
  and no metafields, a page of products may hold only the first media): a comparison takes them
  as unchanged, never as cleared. `None` in a field is Shopify's own "not set".
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal, cast

import orjson

from product_dashboard.kit.hs_codes import CountryHsCodes
from product_dashboard.kit.money import to_cents
from product_dashboard.kit.unit_price import UnitPriceMeasure
from product_dashboard.kit.weights import whole_grams

__all__ = [
    "DEFAULT_OPTION_NAME",
    "DEFAULT_OPTION_VALUE",
    "ITEM_FIELDS",
    "READ_ONLY_FIELDS",
    "ProductStatus",
    "SyncImage",
    "SyncMetafield",
    "SyncOption",
    "SyncProduct",
    "SyncVariant",
    "UnreadableProduct",
    "VariantUnset",
    "cents_to_money",
    "connection_nodes",
    "content_hash",
    "from_shopify_product",
    "is_default_only",
    "item_values",
    "known_text",
    "lists_truncated",
    "money_to_cents",
    "read_shopify_product",
    "unset_fields",
    "variant_unset",
    "variants_truncated",
]

ProductStatus = Literal["active", "draft", "archived"]
DEFAULT_OPTION_NAME = "Title"
DEFAULT_OPTION_VALUE = "Default Title"
_HASH_VERSION = 1
# Product fields beyond the core ones, each None when Shopify has not set it.
DETAIL_FIELDS = (
    "seo_title",
    "seo_description",
    "template_suffix",
    "gift_card",
    "published_online_store",
    "gift_card_template_suffix",
    "requires_selling_plan",
    "combined_listing_role",
)
# Read only: Shopify's combined listing mutations set it; productSet never sends it.
READ_ONLY_FIELDS = ("combined_listing_role",)
VARIANT_DETAIL_FIELDS = ("taxable", "requires_shipping", "tax_code", "image_src")
# The variant's inventory item, policy (#15 item 1) and unit price measurement, each None when
# not read; "weight_value" stands for the value and its unit together.
ITEM_FIELDS = (
    "inventory_tracked",
    "inventory_policy",
    "cost_cents",
    "country_of_origin",
    "hs_code",
    "weight_value",
    "unit_price_measurement",
    "show_unit_price",
    "requires_components",
    "province_code_of_origin",
    "country_hs_codes",
)
# Names for `SyncProduct.unknown`: the lists that may be known only in part.
MEDIA = "media"
METAFIELDS = "metafields"
VARIANT_METAFIELDS = "variant_metafields"


@dataclass(slots=True)
class SyncMetafield:
    namespace: str
    key: str
    type: str
    value: str
    shopify_id: str | None = None

    def key_value(self) -> tuple[str, str, str, str]:
        return (self.namespace, self.key, self.type, self.value)


@dataclass(slots=True)
class SyncOption:
    name: str
    values: list[str]
    linked_namespace: str | None = None
    linked_key: str | None = None
    linked_values: dict[str, str] | None = None
    """A linked option's value name -> metaobject gid, when read (never part of a snapshot)."""


@dataclass(slots=True)
class SyncVariant:
    sku: str | None
    barcode: str | None
    price_cents: int
    compare_at_price_cents: int | None
    inventory_quantity: int | None
    """Summed over locations; None where it was not read (never taken for 0)."""
    weight_grams: int | None
    option_values: list[str]
    """One value per product option, in the product's option order."""
    shopify_variant_id: str | None = None
    taxable: bool | None = None
    requires_shipping: bool | None = None
    tax_code: str | None = None
    """Shopify's 2026-10 API takes it but no longer reads it back: read sides leave it None."""
    image_src: str | None = None
    """The src of the product image shown for this variant."""
    metafields: list[SyncMetafield] = field(default_factory=list)
    inventory_tracked: bool | None = None
    inventory_policy: str | None = None
    """Shopify's ProductVariantInventoryPolicy: "DENY" or "CONTINUE"."""
    cost_cents: int | None = None
    country_of_origin: str | None = None
    hs_code: str | None = None
    weight_value: Decimal | None = None
    """Exactly as given in `weight_unit` (8 OUNCES stays 8 OUNCES); `weight_grams` rounds it."""
    weight_unit: str | None = None
    unit_price_measurement: UnitPriceMeasure | None = None
    show_unit_price: bool | None = None
    requires_components: bool | None = None
    province_code_of_origin: str | None = None
    """Empty when Shopify holds none (known), None when not known (`known_text`)."""
    country_hs_codes: CountryHsCodes | None = None
    """The whole list (empty: none), None where it was not read in full."""
    inventory_item_id: str | None = None
    """Shopify's inventory item gid, where the read told it: what `inventory_levels/update`
    names (an id, not content: neither hashed nor in a snapshot)."""

    def weight_text(self) -> str | None:
        """The weight as one comparable value ("8 OUNCES"), None when not set."""
        if self.weight_value is None:
            return None
        return f"{format(self.weight_value.normalize(), 'f')} {self.weight_unit or 'GRAMS'}"


@dataclass(slots=True)
class SyncImage:
    src: str
    alt: str | None = None
    media_id: str | None = None
    content_type: str | None = None


@dataclass(slots=True)
class SyncProduct:
    """The DB-independent shape of a product for sync, built from our model or from Shopify."""

    title: str
    handle: str
    description_html: str
    vendor: str
    product_type: str
    status: ProductStatus
    tags: list[str]
    category_id: str | None
    options: list[SyncOption]
    variants: list[SyncVariant]
    shopify_product_id: str | None = None
    images: list[SyncImage] = field(default_factory=list)
    category_name: str | None = None
    seo_title: str | None = None
    seo_description: str | None = None
    template_suffix: str | None = None
    """Empty when Shopify holds none (its default template: known), None when not known; so
    is `gift_card_template_suffix` (`known_text`)."""
    gift_card: bool | None = None
    published_online_store: bool | None = None
    gift_card_template_suffix: str | None = None
    requires_selling_plan: bool | None = None
    combined_listing_role: str | None = None
    metafields: list[SyncMetafield] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    """Fields (DETAIL_FIELDS, VARIANT_DETAIL_FIELDS, MEDIA, METAFIELDS) this side did not carry."""

    def knows(self, name: str) -> bool:
        return name not in self.unknown

    @classmethod
    def blank(cls, **fields: Any) -> SyncProduct:
        """A product whose required fields are empty but for `fields`: a carrier of some of a
        product's parts, never a product to apply."""
        empty: dict[str, Any] = {
            "title": "",
            "handle": "",
            "description_html": "",
            "vendor": "",
            "product_type": "",
            "status": "active",
            "tags": [],
            "category_id": None,
            "options": [],
            "variants": [],
        }
        return cls(**(empty | fields))


@functools.lru_cache(maxsize=8192)  # prices repeat across a catalog: each formatted once
def cents_to_money(cents: int) -> str:
    """1999 -> "19.99" (Shopify's Money scalar is a decimal string)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


def money_to_cents(amount: str | float | int | Decimal) -> int:
    """ "19.99" -> 1999. An amount finer than a cent ("12.345": a price in a currency of three
    decimals, or a cost) raises ValueError rather than being rounded: a rounded amount would go
    back to Shopify with the product's next push."""
    try:
        return to_cents(amount)
    except ValueError as exc:
        raise ValueError(
            f"the amount {exc}; the catalog keeps amounts in cents and does not round Shopify's"
        ) from None


def connection_nodes(connection: Any) -> list[Mapping[str, Any]]:
    """Nodes of a connection given as {nodes: […]}, {edges: [{node}]} or a plain list."""
    if connection is None:
        return []
    if isinstance(connection, list):
        return connection
    if "nodes" in connection:
        return list(connection["nodes"] or [])
    return [edge["node"] for edge in connection.get("edges") or []]


def known_text(fields: Mapping[str, Any], key: str) -> str | None:
    """A text Shopify reports as null (or "") when there is none (a template suffix, a province
    of origin): "" when `key` was read (known: none), None when it was not (not known). Stored
    as read, so a clear made here is a value the push sends and the three-way merge compares."""
    if key not in fields:
        return None
    value = fields[key]
    return str(value) if value else ""


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _weight(inventory_item: Mapping[str, Any] | None) -> tuple[Decimal, str] | None:
    """The weight as Shopify holds it (value, unit); None when not set (Shopify reports 0)."""
    weight = ((inventory_item or {}).get("measurement") or {}).get("weight")
    if not weight or weight.get("value") is None:
        return None
    value, unit = weight["value"], weight.get("unit")
    if type(value) in _PLAIN_NUMBERS and (unit is None or type(unit) is str):
        return _plain_weight(value, unit)
    return _weight_of(value, unit)


def _weight_of(value: Any, unit: Any) -> tuple[Decimal, str] | None:
    exact = Decimal(str(value))
    return (exact, str(unit or "GRAMS")) if exact else None


# Weights repeat across a catalog; typed, so 1 and 1.0 (Decimal "1" and "1.0") stay apart.
_PLAIN_NUMBERS = (int, float, str)
_plain_weight = functools.lru_cache(maxsize=8192, typed=True)(_weight_of)


def _cost_cents(inventory_item: Mapping[str, Any]) -> int | None:
    cost = inventory_item.get("unitCost")
    return money_to_cents(cost["amount"]) if cost and cost.get("amount") is not None else None


def _option_values(option: Mapping[str, Any]) -> list[str]:
    if option.get("optionValues") is not None:
        return [value["name"] for value in option["optionValues"]]
    return list(option.get("values") or [])


def _linked_values(option: Mapping[str, Any]) -> dict[str, str] | None:
    """A linked option's value names -> their metaobjects (linkedMetafieldValue)."""
    if not option.get("linkedMetafield"):
        return None
    found = {
        value["name"]: value["linkedMetafieldValue"]
        for value in option.get("optionValues") or ()
        if value.get("linkedMetafieldValue")
    }
    return found or None


def variants_truncated(node: Mapping[str, Any]) -> bool:
    """Whether a Product node holds only a first page of its variants (read more before use)."""
    connection = node.get("variants")
    if not isinstance(connection, Mapping):
        return False
    return bool((connection.get("pageInfo") or {}).get("hasNextPage"))


def _truncated(connection: Any) -> bool:
    return isinstance(connection, Mapping) and bool(
        (connection.get("pageInfo") or {}).get("hasNextPage")
    )


def _metafields(connection: Any) -> list[SyncMetafield]:
    return [
        SyncMetafield(
            namespace=m["namespace"],
            key=m["key"],
            type=m.get("type") or "single_line_text_field",
            value=m.get("value") or "",
            shopify_id=m.get("id"),
        )
        for m in connection_nodes(connection)
    ]


def _image(media: Mapping[str, Any]) -> SyncImage | None:
    url = (media.get("image") or {}).get("url") or (media.get("preview") or {}).get(
        "image", {}
    ).get("url")
    if not url:
        return None
    return SyncImage(
        src=url,
        alt=media.get("alt") or None,
        media_id=media.get("id"),
        content_type=media.get("mediaContentType"),
    )


def _unknown(
    node: Mapping[str, Any], variants: list[Mapping[str, Any]], *, media_whole: bool
) -> list[str]:
    """What this node does not tell: fields not asked for, lists read only in part
    (`variants` are its variant nodes; `media_whole`: every media of it has a URL)."""
    unknown: set[str] = set()
    if "seo" not in node:
        unknown.update(("seo_title", "seo_description"))
    for name, key in (
        ("template_suffix", "templateSuffix"),
        ("gift_card", "isGiftCard"),
        ("published_online_store", "publishedAt"),
        ("gift_card_template_suffix", "giftCardTemplateSuffix"),
        ("requires_selling_plan", "requiresSellingPlan"),
        ("combined_listing_role", "combinedListingRole"),
    ):
        if key not in node:
            unknown.add(name)
    if "media" not in node or _truncated(node.get("media")):
        unknown.add(MEDIA)
    elif not media_whole:
        unknown.add(MEDIA)  # a media without a URL yet (processing): the list is not whole
    if "metafields" not in node or _truncated(node.get("metafields")):
        unknown.add(METAFIELDS)
    if variants and "taxable" not in variants[0]:
        unknown.add("taxable")
    if variants and "requiresShipping" not in (variants[0].get("inventoryItem") or {}):
        unknown.add("requires_shipping")
    if variants and "media" not in variants[0]:
        unknown.add("image_src")
    if variants and "inventoryPolicy" not in variants[0]:
        unknown.add("inventory_policy")
    if variants and "unitPriceMeasurement" not in variants[0]:
        unknown.add("unit_price_measurement")
    if variants and "showUnitPrice" not in variants[0]:
        unknown.add("show_unit_price")
    if variants and "requiresComponents" not in variants[0]:
        unknown.add("requires_components")
    item = (variants[0].get("inventoryItem") or {}) if variants else {}
    for name, key in (
        ("inventory_tracked", "tracked"),
        ("cost_cents", "unitCost"),
        ("country_of_origin", "countryCodeOfOrigin"),
        ("hs_code", "harmonizedSystemCode"),
        ("weight_value", "measurement"),
        ("province_code_of_origin", "provinceCodeOfOrigin"),
        # Read whole per variant, or that variant's is None (`CountryHsCodes.of_shopify`).
        ("country_hs_codes", "countryHarmonizedSystemCodes"),
    ):
        if variants and key not in item:
            unknown.add(name)
    if variants and "metafields" not in variants[0]:
        unknown.add(VARIANT_METAFIELDS)  # a bulk query cannot nest them under variants
    if any(_truncated(v.get("metafields")) for v in variants):
        unknown.update((METAFIELDS, VARIANT_METAFIELDS))
    unknown.add("tax_code")  # not readable in 2026-10 without a deprecated field
    return sorted(unknown)


def lists_truncated(node: Mapping[str, Any]) -> bool:
    """Whether a Product node holds only a first page of its media or metafields (an item's
    per-country HS codes: `shopify.hs_codes_read`)."""
    return (
        _truncated(node.get("media"))
        or _truncated(node.get("metafields"))
        or any(_truncated(v.get("metafields")) for v in connection_nodes(node.get("variants")))
    )


def identity_of(node: Mapping[str, Any]) -> SyncProduct:
    """Only what names a Shopify product (id, title, handle): for reporting one that could not
    be read, never for applying."""
    return SyncProduct.blank(
        title=str(node.get("title") or ""),
        handle=str(node.get("handle") or ""),
        shopify_product_id=node.get("id"),
    )


class UnreadableProduct(ValueError):
    """A Product node this side cannot take as it is (an amount finer than a cent, a value of the
    wrong kind); its message says why, for the product's report."""


def read_shopify_product(node: Mapping[str, Any]) -> SyncProduct:
    """`from_shopify_product`, any reason it cannot read `node` raised as UnreadableProduct."""
    try:
        return from_shopify_product(node)
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise UnreadableProduct(f"not applied: {exc}") from exc


def from_shopify_product(node: Mapping[str, Any]) -> SyncProduct:
    """Our shape from a Product node (products page, product by id, or reassembled bulk line)."""
    options = [
        SyncOption(
            name=option["name"],
            values=_option_values(option),
            linked_namespace=(option.get("linkedMetafield") or {}).get("namespace"),
            linked_key=(option.get("linkedMetafield") or {}).get("key"),
            linked_values=_linked_values(option),
        )
        for option in node.get("options") or []
    ]
    media = connection_nodes(node.get("media"))
    images = [image for image in map(_image, media) if image is not None]
    src_by_media = {image.media_id: image.src for image in images if image.media_id}
    default_only = is_default_only(options)
    option_names = [option.name for option in options]
    raw_variants = connection_nodes(node.get("variants"))
    variants = []
    for raw in raw_variants:
        selected = {o["name"]: o["value"] for o in raw.get("selectedOptions") or []}
        compare_at = raw.get("compareAtPrice")
        item = raw.get("inventoryItem") or {}
        weight = _weight(item)
        variants.append(
            SyncVariant(
                sku=raw.get("sku") or None,
                barcode=raw.get("barcode") or None,
                price_cents=money_to_cents(raw.get("price") or "0"),
                compare_at_price_cents=money_to_cents(compare_at) if compare_at else None,
                inventory_quantity=_optional_int(raw.get("inventoryQuantity")),
                weight_grams=whole_grams(*weight) if weight else None,
                option_values=[] if default_only else [selected[n] for n in option_names],
                shopify_variant_id=raw.get("id"),
                taxable=raw.get("taxable"),
                requires_shipping=item.get("requiresShipping"),
                image_src=next(
                    (
                        src_by_media[m["id"]]
                        for m in connection_nodes(raw.get("media"))
                        if m.get("id") in src_by_media
                    ),
                    None,
                ),
                metafields=_metafields(raw.get("metafields")),
                inventory_tracked=item.get("tracked"),
                inventory_policy=raw.get("inventoryPolicy"),
                inventory_item_id=item.get("id"),
                cost_cents=_cost_cents(item),
                country_of_origin=item.get("countryCodeOfOrigin"),
                hs_code=item.get("harmonizedSystemCode") or None,
                weight_value=weight[0] if weight else None,
                weight_unit=weight[1] if weight else None,
                unit_price_measurement=UnitPriceMeasure.of_shopify(raw.get("unitPriceMeasurement")),
                show_unit_price=raw.get("showUnitPrice"),
                requires_components=raw.get("requiresComponents"),
                province_code_of_origin=known_text(item, "provinceCodeOfOrigin"),
                # Per variant: a list not read to its end leaves this variant's unknown.
                country_hs_codes=CountryHsCodes.of_shopify(
                    item.get("countryHarmonizedSystemCodes")
                ),
            )
        )
    category = node.get("category")
    seo = node.get("seo") or {}
    return SyncProduct(
        title=node.get("title") or "",
        handle=node.get("handle") or "",
        description_html=node.get("descriptionHtml") or "",
        vendor=node.get("vendor") or "",
        product_type=node.get("productType") or "",
        status=cast(ProductStatus, str(node.get("status") or "ACTIVE").lower()),
        tags=list(node.get("tags") or []),
        category_id=category.get("id") if isinstance(category, Mapping) else None,
        options=[] if default_only else options,
        variants=variants,
        shopify_product_id=node.get("id"),
        images=images,
        category_name=category.get("name") if isinstance(category, Mapping) else None,
        seo_title=known_text(seo, "title"),
        seo_description=known_text(seo, "description"),
        template_suffix=known_text(node, "templateSuffix"),
        gift_card=node.get("isGiftCard"),
        published_online_store=(node["publishedAt"] is not None if "publishedAt" in node else None),
        gift_card_template_suffix=known_text(node, "giftCardTemplateSuffix"),
        requires_selling_plan=node.get("requiresSellingPlan"),
        combined_listing_role=node.get("combinedListingRole"),
        metafields=_metafields(node.get("metafields")),
        unknown=_unknown(node, raw_variants, media_whole=len(images) == len(media)),
    )


def unset_fields(product: SyncProduct) -> list[str]:
    """What this side holds no value for: detail fields that are None and the lists it does not
    know (a variant's own fields: `variant_unset`). Two sides compared for "same content" leave
    out what one of them has never been told."""
    unset = {name for name in DETAIL_FIELDS if getattr(product, name) is None}
    unset.update(n for n in (MEDIA, METAFIELDS, VARIANT_METAFIELDS) if not product.knows(n))
    return sorted(unset)


VariantUnset = frozenset[tuple[tuple[str, ...], frozenset[str]]]
_VARIANT_OPTIONAL = ("taxable", "requires_shipping", "image_src", *ITEM_FIELDS)


def variant_unset(product: SyncProduct) -> VariantUnset:
    """Per variant (by its option values), its fields that hold no value (`content_hash`'s
    `variant_unknown`): left out of that variant alone, so a change Shopify holds on another
    variant still counts (a gift variant without a unit price hides no other's)."""
    return frozenset(
        (tuple(v.option_values), frozenset(n for n in _VARIANT_OPTIONAL if getattr(v, n) is None))
        for v in product.variants
    )


def _variant_key(variant: SyncVariant, include_inventory: bool, unknown: set[str]) -> list[Any]:
    key: list[Any] = [
        variant.option_values,
        variant.sku or None,
        variant.barcode or None,
        variant.price_cents,
        variant.compare_at_price_cents,
        variant.inventory_quantity if include_inventory else None,
        variant.weight_grams or None,  # Shopify reports 0 for "no weight"
    ]
    detail = _known(
        {name: getattr(variant, name) for name in ("taxable", "requires_shipping")}, unknown
    )
    # The weight counts once, in whole grams above (the unit it is given in does not).
    detail.update(_known(item_values(variant), {*unknown, "weight_value"}))
    if variant.metafields and not unknown & {METAFIELDS, VARIANT_METAFIELDS}:
        detail["metafields"] = sorted(m.key_value() for m in variant.metafields)
    if detail:
        key.append(detail)
    return key


def item_values(variant: SyncVariant) -> dict[str, Any]:
    """The inventory item fields by their `ITEM_FIELDS` name, as comparable values."""
    return {
        "inventory_tracked": variant.inventory_tracked,
        "inventory_policy": variant.inventory_policy,
        "cost_cents": variant.cost_cents,
        "country_of_origin": variant.country_of_origin,
        "hs_code": variant.hs_code,
        "weight_value": variant.weight_text(),
        "unit_price_measurement": (
            variant.unit_price_measurement.text() if variant.unit_price_measurement else None
        ),
        "show_unit_price": variant.show_unit_price,
        "requires_components": variant.requires_components,
        "province_code_of_origin": variant.province_code_of_origin,
        "country_hs_codes": (
            variant.country_hs_codes.text() if variant.country_hs_codes is not None else None
        ),
    }


def _known(values: dict[str, Any], unknown: set[str]) -> dict[str, Any]:
    """The values set and known (None and unknown ones hash alike: as absent)."""
    return {
        name: value for name, value in values.items() if value is not None and name not in unknown
    }


def is_default_only(options: Sequence[SyncOption]) -> bool:
    """Shopify's stand-in for "no options": one option Title with the value Default Title."""
    return len(options) == 1 and options[0] == SyncOption(
        DEFAULT_OPTION_NAME, [DEFAULT_OPTION_VALUE]
    )


def content_hash(
    product: SyncProduct,
    *,
    include_inventory: bool = True,
    include_media: bool = False,
    unknown: Iterable[str] = (),
    variant_unknown: VariantUnset = frozenset(),
) -> str:
    """sha256 over the fields we sync; tag order, Shopify ids and image URLs do not count, nor
    media at all unless `include_media` (then their number and alt texts, in order).
    `variant_unknown` (`variant_unset`): fields left out of the variant of those option values.

    The fields added by #16 count only when set (None, an empty list and a field in
    `product.unknown` or `unknown` hash as absent), so a product without them hashes as before.
    """
    unknown = {*unknown, *product.unknown}
    by_values = dict(variant_unknown)
    # Shopify's stand-in for no options hashes as no options (as Shopify's reads and the base
    # are mapped): a product stored here with "Title: Default Title" is the same product, and
    # what its variant was never told is left out of the other side's variant too.
    default_only = is_default_only(product.options)
    if (DEFAULT_OPTION_VALUE,) in by_values:
        by_values.setdefault((), by_values[(DEFAULT_OPTION_VALUE,)])
    canonical = {
        "v": _HASH_VERSION,
        "title": product.title,
        "handle": product.handle,
        "description_html": product.description_html,
        "vendor": product.vendor,
        "product_type": product.product_type,
        "status": product.status,
        "tags": sorted(set(_strip_all(product.tags))),
        "category_id": product.category_id,
        "options": [] if default_only else [[o.name, o.values] for o in product.options],
        # Variants are matched by option values, so their order does not matter either.
        "variants": sorted(
            (
                _variant_key(
                    replace(v, option_values=[]) if default_only else v,
                    include_inventory,
                    unknown | by_values.get(() if default_only else tuple(v.option_values), _NONE),
                )
                for v in product.variants
            ),
            key=_canonical_text,
        ),
        **_known({name: getattr(product, name) for name in DETAIL_FIELDS}, unknown),
    }
    links = [[o.linked_namespace, o.linked_key] for o in product.options]
    if any(o.linked_key for o in product.options):
        canonical["linked"] = links
    if include_media and product.images and MEDIA not in unknown:
        canonical["media"] = [image.alt or None for image in product.images]
    if product.metafields and METAFIELDS not in unknown:
        canonical["metafields"] = sorted(m.key_value() for m in product.metafields)
    return hashlib.sha256(_canonical_text(canonical)).hexdigest()


def _canonical_text(value: Any) -> bytes:
    """`value`'s JSON text, keys sorted: by orjson (what it refuses, an integer past 64 bits or
    a lone surrogate, by `json`). Only compared with another such text, never stored: equal
    values give equal texts and different values different ones, whichever writes them."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return text.encode("utf-8")


_NONE: frozenset[str] = frozenset()


def _strip_all(tags: Iterable[str]) -> Iterable[str]:
    # Shopify trims tags and drops empty ones; so do we, so an echo hashes the same.
    return (tag.strip() for tag in tags if tag.strip())
