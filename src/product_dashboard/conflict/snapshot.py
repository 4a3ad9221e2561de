"""The stored sync snapshot: what we last synced of a product, and the hash stored beside it.

`Product.synced_snapshot` is the base a later conflict check compares both sides against, and
`Product.synced_hash` (the snapshot hash: SHA-256 of its canonical JSON) is how the push spots the
products that really changed. Both outlive releases, so the format is fixed (a golden-file test
holds it): money as decimal strings, a product without options carrying Shopify's
"Title / Default Title" option, no inventory, no ids (ids sit beside the snapshot, so they never
move the hash).

Canonical JSON is sorted keys, no spaces, non-ASCII kept as is. orjson writes a dataclass's
fields in declaration order (read from `__dict__`: no slots, which orjson writes several
times slower), so every class here declares its fields in sorted order and is
written directly, without building a dict first (the push hashes tens of thousands of these).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, cast

import orjson

from product_dashboard.kit.money import from_cents
from product_dashboard.shopify.mapping import (
    DEFAULT_OPTION_NAME,
    DEFAULT_OPTION_VALUE,
    ProductStatus,
    SyncImage,
    SyncOption,
    SyncProduct,
    SyncVariant,
    money_to_cents,
)

__all__ = [
    "SNAPSHOT_FORMAT",
    "UNKNOWN_INVENTORY",
    "SnapshotImage",
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


def canonical_json(value: SyncedSnapshot | Mapping[str, Any]) -> str:
    """The canonical JSON of a snapshot (or of its stored form).

    orjson writes exactly what `_CANONICAL` writes (a test holds them to it), several times
    faster; `_CANONICAL` takes what orjson refuses (a lone surrogate, say).
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        return _CANONICAL.encode(asdict(value) if isinstance(value, SyncedSnapshot) else value)


def snapshot_hash_of(canonical: str) -> str:
    """The snapshot hash (stored as `synced_hash`) of a snapshot's canonical JSON."""
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True, kw_only=True)
class SnapshotImage:
    alt: str | None
    src: str


@dataclass(frozen=True, kw_only=True)
class SnapshotOption:
    name: str
    values: tuple[str, ...]


_DEFAULT_OPTION = SnapshotOption(name=DEFAULT_OPTION_NAME, values=(DEFAULT_OPTION_VALUE,))
_DEFAULT_VALUES = (DEFAULT_OPTION_VALUE,)


@dataclass(frozen=True, kw_only=True)
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


@dataclass(frozen=True, kw_only=True)
class SyncedSnapshot:
    """One product's stored sync snapshot (fields in sorted order: see the module notes)."""

    category_id: str | None
    description_html: str
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
        )

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> SyncedSnapshot:
        """A stored snapshot read back (lenient: a missing field reads as empty)."""
        return cls(
            category_id=stored.get("category_id"),
            description_html=stored.get("description_html") or "",
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
        return snapshot_hash_of(self.canonical_json())

    def to_stored(self) -> dict[str, Any]:
        """The JSON value stored as `synced_snapshot`."""
        stored: dict[str, Any] = json.loads(self.canonical_json())
        return stored

    @property
    def default_only(self) -> bool:
        """Options are Shopify's stand-in for "no options" (one option Title: Default Title)."""
        return self.options == (_DEFAULT_OPTION,)

    def to_sync_product(self) -> SyncProduct:
        """The base side of a three-way comparison (inventory unknown, no ids)."""
        default_only = self.default_only
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
            else [SyncOption(o.name, list(o.values)) for o in self.options],
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
                )
                for v in self.variants
            ],
            images=[SyncImage(i.src, i.alt) for i in self.images],
        )
