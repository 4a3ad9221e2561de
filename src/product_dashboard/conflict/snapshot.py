"""The stored sync snapshot: what we last synced of a product, and the hash stored beside it.

`Product.synced_snapshot` is the base a later conflict check compares both sides against, and
`Product.synced_hash` (the snapshot hash: SHA-256 of its canonical JSON) is how the push spots the
products that really changed. Both outlive releases, so the format is fixed (a golden-file test
holds it): money as decimal strings, a product without options carrying Shopify's
"Title / Default Title" option, no inventory, no ids (ids sit beside the snapshot, so they never
move the hash).

Everything beyond the first format's fields (SEO, template, gift card, publication, linked
options, metafields, per-variant tax, shipping and image) sits in one `detail` object that is left
out of the JSON when it holds nothing: a product without any of it keeps the snapshot and hash it
had before these fields existed. Whether the media and metafield lists are known in full is not
content: it sits beside the snapshot (`PushItem`), like the ids.

Canonical JSON is sorted keys, no spaces, non-ASCII kept as is. orjson writes a dataclass's
fields in declaration order (read from `__dict__`: no slots, which orjson writes several
times slower), so every class here declares its fields in sorted order and is
written directly, without building a dict first (the push hashes tens of thousands of these).

The classes are values, never changed once made: frozen for the type checker, plain dataclasses
at run time (`kit.values.value_class`: every pulled or pushed product builds three per variant).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from decimal import Decimal
from typing import Any, cast

import orjson

from product_dashboard.kit.hs_codes import hs_codes_of_text
from product_dashboard.kit.json_column import JsonText
from product_dashboard.kit.money import from_cents
from product_dashboard.kit.unit_price import UnitPriceMeasure
from product_dashboard.kit.values import value_class
from product_dashboard.shopify.mapping import (
    DEFAULT_OPTION_NAME,
    DEFAULT_OPTION_VALUE,
    ProductStatus,
    SyncImage,
    SyncMetafield,
    SyncOption,
    SyncProduct,
    SyncVariant,
    money_to_cents,
)

__all__ = [
    "SNAPSHOT_FORMAT",
    "UNKNOWN_INVENTORY",
    "ItemDetail",
    "SnapshotDetail",
    "SnapshotImage",
    "SnapshotMetafield",
    "SnapshotOption",
    "SnapshotVariant",
    "SyncedSnapshot",
    "canonical_json",
    "snapshot_hash_of",
]

SNAPSHOT_FORMAT = 1
UNKNOWN_INVENTORY = -(2**62)  # marks "the base did not record inventory" (snapshots never do)

# Prices repeat across a catalog; formatting each once is measurably cheaper per page.
_money = functools.lru_cache(maxsize=8192)(from_cents)
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
# An empty `detail` is left out. Quotes inside JSON strings are escaped, so this exact text can
# only be the field itself (between description_html and format, in sorted order).
_NO_DETAIL = ',"detail":null,"format":'
_FORMAT_NEXT = ',"format":'
# Likewise a variant detail's empty `inventory_item` (always between image_src and metafields),
# an item's unit price measurement when not set (between tracked and weight_unit), and the
# fields added later still, grouped in one `more` per detail and item (`DetailMore`, `ItemMore`)
# so that one cut leaves them out wherever none is set (between metafields and
# published_online_store, and between inventory_policy and tracked): details and items stored
# before they existed keep their hash.
_NO_ITEM = ',"inventory_item":null,'
_NO_UNIT_PRICE = '"unit_price_measurement":null,'
_NO_MORE = '"more":null,'
_NO_DETAIL_BYTES, _FORMAT_NEXT_BYTES, _NO_ITEM_BYTES, _NO_UNIT_PRICE_BYTES, _NO_MORE_BYTES = (
    _NO_DETAIL.encode(),
    _FORMAT_NEXT.encode(),
    _NO_ITEM.encode(),
    _NO_UNIT_PRICE.encode(),
    _NO_MORE.encode(),
)


def canonical_json(value: SyncedSnapshot | Mapping[str, Any]) -> str:
    """The canonical JSON of a snapshot (or of its stored form).

    orjson writes exactly what `_CANONICAL` writes (a test holds them to it), several times
    faster; `_CANONICAL` takes what orjson refuses (a lone surrogate, say).
    """
    return _canonical(value)[0]


def _canonical(value: SyncedSnapshot | Mapping[str, Any]) -> tuple[str, bytes | None]:
    """`canonical_json`, and its UTF-8 bytes where orjson wrote it (then orjson reads it back
    exactly: it wrote no integer past 64 bits, which orjson would read as a float, nor NaN);
    None where the standard encoder did."""
    try:
        raw = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        text = _CANONICAL.encode(asdict(value) if isinstance(value, SyncedSnapshot) else value)
        text = text.replace(_NO_DETAIL, _FORMAT_NEXT, 1).replace(_NO_ITEM, ",")
        return text.replace(_NO_UNIT_PRICE, "").replace(_NO_MORE, ""), None
    # The markers are ASCII, and no byte of a multi-byte UTF-8 character is: the same cuts.
    raw = raw.replace(_NO_DETAIL_BYTES, _FORMAT_NEXT_BYTES, 1).replace(_NO_ITEM_BYTES, b",")
    raw = raw.replace(_NO_UNIT_PRICE_BYTES, b"").replace(_NO_MORE_BYTES, b"")
    return raw.decode(), raw


def _stored(canonical: str, raw: bytes | None) -> dict[str, Any]:
    """The stored form of a snapshot's canonical JSON (`_canonical`'s pair)."""
    stored: dict[str, Any] = orjson.loads(raw) if raw is not None else json.loads(canonical)
    return stored


def _hash(canonical: str, raw: bytes | None) -> str:
    """`snapshot_hash_of` the canonical JSON (`_canonical`'s pair), its bytes not made again."""
    return hashlib.sha256(raw).hexdigest() if raw is not None else snapshot_hash_of(canonical)


def snapshot_hash_of(canonical: str) -> str:
    """The snapshot hash (stored as `synced_hash`) of a snapshot's canonical JSON."""
    return hashlib.sha256(canonical.encode()).hexdigest()


@value_class(kw_only=True)
class SnapshotImage:
    alt: str | None
    src: str


@value_class(kw_only=True)
class SnapshotMetafield:
    key: str
    namespace: str
    type: str
    value: str

    @classmethod
    def of(cls, metafield: SyncMetafield) -> SnapshotMetafield:
        return cls(
            key=metafield.key,
            namespace=metafield.namespace,
            type=metafield.type,
            value=metafield.value,
        )

    def to_sync(self) -> SyncMetafield:
        return SyncMetafield(self.namespace, self.key, self.type, self.value)


def _metafields(items: Sequence[SyncMetafield]) -> tuple[SnapshotMetafield, ...]:
    if not items:
        return ()  # most variants have none: a push builds one per variant
    return tuple(
        sorted((SnapshotMetafield.of(m) for m in items), key=lambda m: (m.namespace, m.key))
    )


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


@value_class(kw_only=True)
class ItemMore:
    """An item's fields added after unit pricing, None as a whole when none is set (see the
    module's `_NO_MORE`). `country_hs_codes` is `CountryHsCodes.text()`: "" none, None not
    known."""

    country_hs_codes: str | None = None
    province_code_of_origin: str | None = None
    requires_components: bool | None = None
    show_unit_price: bool | None = None

    @classmethod
    def of(cls, variant: SyncVariant) -> ItemMore | None:
        if (
            variant.show_unit_price is None
            and variant.requires_components is None
            and variant.province_code_of_origin is None
            and variant.country_hs_codes is None
        ):
            return None
        return cls(
            country_hs_codes=(
                variant.country_hs_codes.text() if variant.country_hs_codes is not None else None
            ),
            province_code_of_origin=variant.province_code_of_origin,
            requires_components=variant.requires_components,
            show_unit_price=variant.show_unit_price,
        )


_NO_ITEM_MORE = ItemMore()


@value_class(kw_only=True)
class DetailMore:
    """A product's fields added after unit pricing, None as a whole when none is set."""

    combined_listing_role: str | None = None
    gift_card_template_suffix: str | None = None
    requires_selling_plan: bool | None = None

    @classmethod
    def of(cls, product: SyncProduct) -> DetailMore | None:
        if (
            product.combined_listing_role is None
            and product.gift_card_template_suffix is None
            and product.requires_selling_plan is None
        ):
            return None
        return cls(
            combined_listing_role=product.combined_listing_role,
            gift_card_template_suffix=product.gift_card_template_suffix,
            requires_selling_plan=product.requires_selling_plan,
        )


_NO_DETAIL_MORE = DetailMore()


@value_class(kw_only=True)
class ItemDetail:
    """The variant's inventory item, policy (#15 item 1), unit price measurement (its
    `UnitPriceMeasure.text()`) and the fields added after it (`more`), each None when not
    known."""

    cost: str | None = None
    country_of_origin: str | None = None
    hs_code: str | None = None
    inventory_policy: str | None = None
    more: ItemMore | None = None
    tracked: bool | None = None
    unit_price_measurement: str | None = None
    weight_unit: str | None = None
    weight_value: str | None = None

    @classmethod
    def of(cls, variant: SyncVariant) -> ItemDetail | None:
        """The variant's item fields, or None when it holds none."""
        # Each field is None exactly when its source is: no item to build and compare.
        more = ItemMore.of(variant)
        if (
            variant.cost_cents is None
            and variant.country_of_origin is None
            and variant.hs_code is None
            and variant.inventory_policy is None
            and variant.inventory_tracked is None
            and variant.weight_value is None
            and variant.unit_price_measurement is None
            and more is None
        ):
            return None
        return cls(
            cost=_money(variant.cost_cents),
            country_of_origin=variant.country_of_origin,
            hs_code=variant.hs_code,
            inventory_policy=variant.inventory_policy,
            more=more,
            tracked=variant.inventory_tracked,
            unit_price_measurement=(
                variant.unit_price_measurement.text() if variant.unit_price_measurement else None
            ),
            weight_unit=variant.weight_unit if variant.weight_value is not None else None,
            weight_value=_decimal_text(variant.weight_value),
        )

    def extra(self) -> ItemMore:
        """`more`, the empty one when None."""
        return self.more or _NO_ITEM_MORE


@value_class(kw_only=True)
class VariantDetail:
    image_src: str | None = None
    inventory_item: ItemDetail | None = None
    """Left out of the JSON when None, so snapshots stored before it keep their hash."""
    metafields: tuple[SnapshotMetafield, ...] = ()
    requires_shipping: bool | None = None
    tax_code: str | None = None
    taxable: bool | None = None

    @classmethod
    def of(cls, variant: SyncVariant) -> VariantDetail:
        """The variant's detail; `_NO_VARIANT_DETAIL` itself when it holds nothing."""
        item = ItemDetail.of(variant)
        if (
            item is None
            and not variant.metafields
            and variant.image_src is None
            and variant.requires_shipping is None
            and variant.tax_code is None
            and variant.taxable is None
        ):
            return _NO_VARIANT_DETAIL
        return cls(
            image_src=variant.image_src,
            inventory_item=item,
            metafields=_metafields(variant.metafields),
            requires_shipping=variant.requires_shipping,
            tax_code=variant.tax_code,
            taxable=variant.taxable,
        )


_NO_VARIANT_DETAIL = VariantDetail()


@value_class(kw_only=True)
class SnapshotDetail:
    """The fields added by #16, each None / empty when not set (see the module notes)."""

    gift_card: bool | None = None
    linked_options: tuple[tuple[str, str] | None, ...] = ()
    metafields: tuple[SnapshotMetafield, ...] = ()
    more: DetailMore | None = None
    published_online_store: bool | None = None
    seo_description: str | None = None
    seo_title: str | None = None
    template_suffix: str | None = None
    variants: tuple[VariantDetail, ...] = ()
    """One per variant, in variant order; empty when no variant has any."""

    @classmethod
    def of(cls, product: SyncProduct) -> SnapshotDetail | None:
        """The product's detail, or None when it holds nothing."""
        variants = tuple(VariantDetail.of(v) for v in product.variants)
        links = tuple(
            (o.linked_namespace, o.linked_key) if o.linked_namespace and o.linked_key else None
            for o in product.options
        )
        detail = cls(
            gift_card=product.gift_card,
            more=DetailMore.of(product),
            linked_options=links if any(links) else (),
            metafields=_metafields(product.metafields),
            published_online_store=product.published_online_store,
            seo_description=product.seo_description,
            seo_title=product.seo_title,
            template_suffix=product.template_suffix,
            # An empty variant detail is `_NO_VARIANT_DETAIL` itself (`VariantDetail.of`).
            variants=variants if any(v is not _NO_VARIANT_DETAIL for v in variants) else (),
        )
        return None if detail == _EMPTY_DETAIL else detail

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any] | None) -> SnapshotDetail | None:
        if not stored:
            return None

        def metafields(items: Any) -> tuple[SnapshotMetafield, ...]:
            return tuple(SnapshotMetafield(**m) for m in items or ())

        more = stored.get("more")
        return cls(
            gift_card=stored.get("gift_card"),
            more=DetailMore(**more) if more else None,
            linked_options=tuple(
                (link[0], link[1]) if link else None for link in stored.get("linked_options") or ()
            ),
            metafields=metafields(stored.get("metafields")),
            published_online_store=stored.get("published_online_store"),
            seo_description=stored.get("seo_description"),
            seo_title=stored.get("seo_title"),
            template_suffix=stored.get("template_suffix"),
            variants=tuple(
                VariantDetail(
                    **{
                        **v,
                        "metafields": metafields(v.get("metafields")),
                        "inventory_item": _stored_item(v["inventory_item"])
                        if v.get("inventory_item")
                        else None,
                    }
                )
                for v in stored.get("variants") or ()
            ),
        )

    def extra(self) -> DetailMore:
        """`more`, the empty one when None."""
        return self.more or _NO_DETAIL_MORE

    def variant(self, index: int) -> VariantDetail:
        return self.variants[index] if index < len(self.variants) else _NO_VARIANT_DETAIL


_EMPTY_DETAIL = SnapshotDetail()


@value_class(kw_only=True)
class SnapshotOption:
    name: str
    values: tuple[str, ...]


_DEFAULT_OPTION = SnapshotOption(name=DEFAULT_OPTION_NAME, values=(DEFAULT_OPTION_VALUE,))
_DEFAULT_VALUES = (DEFAULT_OPTION_VALUE,)


@value_class(kw_only=True)
class SnapshotVariant:
    barcode: str | None
    compare_at_price: str | None
    option_values: tuple[str, ...]
    price: str
    sku: str | None

    @classmethod
    def of(
        cls,
        *,
        sku: str | None,
        barcode: str | None,
        price_cents: int,
        compare_at_price_cents: int | None,
        option_values: Iterable[str],
    ) -> SnapshotVariant:
        return cls(
            barcode=barcode,
            compare_at_price=_money(compare_at_price_cents),
            option_values=tuple(option_values),
            price=cast(str, _money(price_cents)),
            sku=sku,
        )


@value_class(kw_only=True)
class SyncedSnapshot:
    """One product's stored sync snapshot (fields in sorted order: see the module notes)."""

    category_id: str | None
    description_html: str
    detail: SnapshotDetail | None = None
    format: int = SNAPSHOT_FORMAT
    handle: str
    images: tuple[SnapshotImage, ...]
    options: tuple[SnapshotOption, ...]
    product_type: str
    status: str
    tags: tuple[str, ...]
    title: str
    variants: tuple[SnapshotVariant, ...]
    vendor: str

    @classmethod
    def build(
        cls,
        *,
        title: str,
        handle: str,
        description_html: str,
        vendor: str,
        product_type: str,
        status: str,
        category_id: str | None,
        tags: Iterable[str],
        options: Sequence[SnapshotOption],
        variants: Sequence[SnapshotVariant],
        images: Iterable[SnapshotImage],
        detail: SnapshotDetail | None = None,
    ) -> SyncedSnapshot:
        """A snapshot; variants of a product without options get Shopify's default option."""
        if variants and not options:
            options = (_DEFAULT_OPTION,)
            variants = [
                v
                if v.option_values
                else SnapshotVariant(
                    barcode=v.barcode,
                    compare_at_price=v.compare_at_price,
                    option_values=_DEFAULT_VALUES,
                    price=v.price,
                    sku=v.sku,
                )
                for v in variants
            ]
        return cls(
            category_id=category_id,
            description_html=description_html,
            detail=detail,
            handle=handle,
            images=tuple(images),
            options=tuple(options),
            product_type=product_type,
            status=status,
            tags=tuple(tags),
            title=title,
            variants=tuple(variants),
            vendor=vendor,
        )

    @classmethod
    def of(cls, product: SyncProduct) -> SyncedSnapshot:
        """The snapshot a push of `product` would store."""
        return cls.build(
            title=product.title,
            handle=product.handle,
            description_html=product.description_html,
            vendor=product.vendor,
            product_type=product.product_type,
            status=product.status,
            category_id=product.category_id,
            tags=product.tags,
            options=[SnapshotOption(name=o.name, values=tuple(o.values)) for o in product.options],
            variants=[
                SnapshotVariant.of(
                    sku=v.sku,
                    barcode=v.barcode,
                    price_cents=v.price_cents,
                    compare_at_price_cents=v.compare_at_price_cents,
                    option_values=v.option_values,
                )
                for v in product.variants
            ],
            images=[SnapshotImage(alt=i.alt, src=i.src) for i in product.images],
            detail=SnapshotDetail.of(product),
        )

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> SyncedSnapshot:
        """A stored snapshot read back (lenient: a missing field reads as empty)."""
        return cls(
            category_id=stored.get("category_id"),
            description_html=stored.get("description_html") or "",
            detail=SnapshotDetail.from_stored(stored.get("detail")),
            format=stored.get("format") or SNAPSHOT_FORMAT,
            handle=stored.get("handle") or "",
            images=tuple(
                SnapshotImage(alt=i.get("alt"), src=i["src"]) for i in stored.get("images") or ()
            ),
            options=tuple(
                SnapshotOption(name=o["name"], values=tuple(o["values"]))
                for o in stored.get("options") or ()
            ),
            product_type=stored.get("product_type") or "",
            status=stored.get("status") or "active",
            tags=tuple(stored.get("tags") or ()),
            title=stored.get("title") or "",
            variants=tuple(
                SnapshotVariant(
                    barcode=v.get("barcode"),
                    compare_at_price=v.get("compare_at_price"),
                    option_values=tuple(v.get("option_values") or ()),
                    price=v.get("price") or "0.00",
                    sku=v.get("sku"),
                )
                for v in stored.get("variants") or ()
            ),
            vendor=stored.get("vendor") or "",
        )

    def canonical_json(self) -> str:
        """What is stored as `synced_snapshot`, and hashed into `synced_hash`."""
        return canonical_json(self)

    def snapshot_hash(self) -> str:
        """The `synced_hash` stored with this snapshot."""
        return _hash(*_canonical(self))

    def to_stored(self) -> dict[str, Any]:
        """The JSON value stored as `synced_snapshot`."""
        return _stored(*_canonical(self))

    def stored_and_hash(self) -> tuple[dict[str, Any], str]:
        """`to_stored()` and `snapshot_hash()`, of one canonical text."""
        text, raw = _canonical(self)
        return _stored(text, raw), _hash(text, raw)

    def written_and_hash(self) -> tuple[JsonText | dict[str, Any], str]:
        """What a new row's `synced_snapshot` is written as, and `snapshot_hash()`: the canonical
        text itself where orjson wrote it (then it is the text the JSON column writes for
        `to_stored()`: keys already sorted, nothing orjson reads back otherwise), not read back
        into a dict to be encoded again; else `to_stored()`."""
        text, raw = _canonical(self)
        written = JsonText(text) if raw is not None else _stored(text, raw)
        return written, _hash(text, raw)

    @property
    def default_only(self) -> bool:
        """Options are Shopify's stand-in for "no options" (one option Title: Default Title)."""
        return self.options == (_DEFAULT_OPTION,)

    def to_sync_product(self) -> SyncProduct:
        """The base side of a three-way comparison (inventory unknown, no ids)."""
        default_only = self.default_only
        detail = self.detail or _EMPTY_DETAIL
        links = dict(enumerate(detail.linked_options))
        return SyncProduct(
            title=self.title,
            handle=self.handle,
            description_html=self.description_html,
            vendor=self.vendor,
            product_type=self.product_type,
            status=cast(ProductStatus, self.status),
            tags=list(self.tags),
            category_id=self.category_id,
            options=[]
            if default_only
            else [
                SyncOption(o.name, list(o.values), *(links.get(index) or (None, None)))
                for index, o in enumerate(self.options)
            ],
            variants=[
                SyncVariant(
                    sku=v.sku or None,
                    barcode=v.barcode or None,
                    price_cents=money_to_cents(v.price),
                    compare_at_price_cents=(
                        money_to_cents(v.compare_at_price) if v.compare_at_price else None
                    ),
                    inventory_quantity=UNKNOWN_INVENTORY,
                    weight_grams=None,
                    option_values=[] if default_only else list(v.option_values),
                    taxable=detail.variant(index).taxable,
                    requires_shipping=detail.variant(index).requires_shipping,
                    tax_code=detail.variant(index).tax_code,
                    image_src=detail.variant(index).image_src,
                    metafields=[m.to_sync() for m in detail.variant(index).metafields],
                    **_item_fields(detail.variant(index).inventory_item),
                )
                for index, v in enumerate(self.variants)
            ],
            images=[SyncImage(i.src, i.alt) for i in self.images],
            seo_title=detail.seo_title,
            seo_description=detail.seo_description,
            template_suffix=detail.template_suffix,
            gift_card=detail.gift_card,
            published_online_store=detail.published_online_store,
            gift_card_template_suffix=detail.extra().gift_card_template_suffix,
            requires_selling_plan=detail.extra().requires_selling_plan,
            combined_listing_role=detail.extra().combined_listing_role,
            metafields=[m.to_sync() for m in detail.metafields],
        )


def _item_fields(item: ItemDetail | None) -> dict[str, Any]:
    """SyncVariant's item fields from a stored item detail."""
    if item is None:
        return {}
    return {
        "inventory_tracked": item.tracked,
        "inventory_policy": item.inventory_policy,
        "cost_cents": money_to_cents(item.cost) if item.cost is not None else None,
        "country_of_origin": item.country_of_origin,
        "hs_code": item.hs_code,
        "weight_value": Decimal(item.weight_value) if item.weight_value is not None else None,
        "weight_unit": item.weight_unit,
        "unit_price_measurement": (
            UnitPriceMeasure.parse(item.unit_price_measurement)
            if item.unit_price_measurement is not None
            else None
        ),
        "show_unit_price": item.extra().show_unit_price,
        "requires_components": item.extra().requires_components,
        "province_code_of_origin": item.extra().province_code_of_origin,
        "country_hs_codes": hs_codes_of_text(item.extra().country_hs_codes),
    }


def _stored_item(stored: Mapping[str, Any]) -> ItemDetail:
    more = stored.get("more")
    return ItemDetail(**{**stored, "more": ItemMore(**more) if more else None})
