"""The catalog: product, its options, variants, images (media), tags and metafields.

Fields Shopify may not have told us about are nullable: NULL means "not known", never false,
empty or 0 (an export or a push must not invent a value the merchant never set).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
    case,
    column,
    func,
    or_,
    true,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from product_dashboard.kit.assign import assign
from product_dashboard.kit.hs_codes import HsCodesText
from product_dashboard.kit.unit_price import UnitPriceMeasure, set_unit_price, unit_price_of
from product_dashboard.models.base import Cents, TimestampedModel
from product_dashboard.models.inventory import (
    GRAMS_PER_UNIT,
    InventoryLevel,
    WeightUnit,
    whole_grams,
)


class ProductStatus(StrEnum):
    active = "active"
    draft = "draft"
    archived = "archived"


class SyncState(StrEnum):
    never_synced = "never_synced"
    pending = "pending"
    synced = "synced"
    error = "error"
    conflict = "conflict"


# Partial indexes over live products: name suffix -> leading columns (see Product.__table_args__).
# Every index on `product` costs a batch edit: SQLite rewrites those holding a changed column,
# PostgreSQL every one whose WHERE the row meets (a product write changes indexed columns, so it
# is never a HOT update): ~0.2 s of server CPU per index per 100k products. So updated_at is in
# one index only, and one index on both prices serves the price sort (by the lowest price) and
# both price bounds.
LIVE_INDEXES: dict[str, tuple[str, ...]] = {
    "updated": ("updated_at",),
    "status": ("status",),
    "price_min": ("price_min_cents", "price_max_cents"),
}
# What a live index also holds on PostgreSQL (INCLUDE): the id in the one the default sort (newest
# first) walks, so a dense page's ids come from the index alone. A PostgreSQL index entry points at
# the row, which the walk otherwise visits for the id of every entry it passes (1,000 rows for page
# 20); SQLite's entries end with the rowid, which is the id. Not in the price and title indexes:
# PostgreSQL deduplicates equal keys only without INCLUDE columns, and an id made those two 4-5
# times larger (100k products: 145 -> 610 and 156 -> 772 pages) for a page that reads 50 rows.
LIVE_INCLUDES: dict[str, tuple[str, ...]] = {"updated": ("id",)}
# Columns the list (and smart collections) match whatever their case: indexed by lower(column),
# then the column itself, so a count is answered from the index alone on both databases
# (PostgreSQL can only scan an expression index alone when it holds the column too).
CASELESS_LIVE_INDEXES: dict[str, str] = {"vendor": "vendor", "type": "product_type"}


FACETS_INDEX = "ix_product_live_facets"
FACETS_INDEX_COLUMNS = ("id", "status", "price_min_cents", "price_max_cents", "deleted_at")


def _only(condition: ColumnElement[bool]) -> dict[str, Any]:
    """Keyword arguments making an Index partial on both SQLite and PostgreSQL."""
    return {"sqlite_where": condition, "postgresql_where": condition}


def _live_indexes(live: ColumnElement[bool]) -> list[Index]:
    plain = [
        Index(
            f"ix_product_live_{name}",
            *columns,
            "deleted_at",
            postgresql_include=list(LIVE_INCLUDES.get(name, ())),
            **_only(live),
        )
        for name, columns in LIVE_INDEXES.items()
    ]
    caseless = [
        Index(
            f"ix_product_live_{name}",
            func.lower(column(name_of_column)),
            name_of_column,
            "deleted_at",
            **_only(live),
        )
        for name, name_of_column in CASELESS_LIVE_INDEXES.items()
    ]
    return [*plain, *caseless, *_category_indexes(live)]


def _category_indexes(live: ColumnElement[bool]) -> list[Index]:
    """The category filter's two indexes: by id, and by name in any case. The name's index holds
    lower(name) alone, not the name too as the caseless ones above do: both copies of a
    512-character name could pass PostgreSQL's limit on an index entry (2,704 bytes)."""
    category_id: ColumnElement[str] = column("category_id")
    category_name: ColumnElement[str] = func.lower(column("category_name"))
    return [
        Index(
            "ix_product_live_category_id",
            category_id,
            "deleted_at",
            **_with_category(live, category_id),
        ),
        Index(
            "ix_product_live_category_name",
            category_name,
            "deleted_at",
            **_with_category(live, category_name),
        ),
    ]


def _with_category(live: ColumnElement[bool], key: ColumnElement[Any]) -> dict[str, Any]:
    """A category index's rows: on PostgreSQL only products that have one. Each product write
    there is a new row version with an entry in every index it meets (never a HOT update), and
    the filter's `key = value` implies `key IS NOT NULL`, so its seeks still use the index."""
    return {"sqlite_where": live, "postgresql_where": and_(live, key.is_not(None))}


class Product(TimestampedModel):
    __tablename__ = "product"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    handle: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    description_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    vendor: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    product_type: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    category_id: Mapped[str | None] = mapped_column(String(255))
    category_name: Mapped[str | None] = mapped_column(String(512))
    seo_title: Mapped[str | None] = mapped_column(Text)
    seo_description: Mapped[str | None] = mapped_column(Text)
    template_suffix: Mapped[str | None] = mapped_column(String(255))
    gift_card: Mapped[bool | None] = mapped_column(Boolean)
    published_online_store: Mapped[bool | None] = mapped_column(Boolean)
    gift_card_template_suffix: Mapped[str | None] = mapped_column(String(255))
    requires_selling_plan: Mapped[bool | None] = mapped_column(Boolean)
    # Shopify's CombinedListingsRole (PARENT / CHILD): read, shown, never sent (Shopify's
    # combined listing mutations set it).
    combined_listing_role: Mapped[str | None] = mapped_column(String(8))
    # productSet replaces the lists it is given: media and metafields are sent only when the
    # dashboard holds the store's whole list (read in full by a pull, or made here).
    # `metafields_complete` is about the product's own metafields; `variant_metafields_complete`
    # about every variant's (a variant Shopify does not hold yet has none there to lose).
    media_complete: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )
    metafields_complete: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )
    variant_metafields_complete: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )
    status: Mapped[str] = mapped_column(
        String(16), nullable=False, default=ProductStatus.draft.value
    )
    icon_path: Mapped[str | None] = mapped_column(String(512))

    # Denormalised from variants so list filters and sorting stay indexed.
    price_min_cents: Mapped[int | None] = mapped_column(Cents)
    price_max_cents: Mapped[int | None] = mapped_column(Cents)
    total_inventory: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Title, vendor, type, tags and SKUs in one column: what full-text search indexes.
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="")

    # Change tracking: every write bumps `version`; a sync records the version it pushed.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    synced_version: Mapped[int | None] = mapped_column(Integer)
    synced_hash: Mapped[str | None] = mapped_column(String(64))
    synced_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sync_error: Mapped[str | None] = mapped_column(Text)
    open_conflicts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    shopify_product_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    shopify_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # Shopify CSV columns the catalog does not model (market prices, Google Shopping, unknown
    # metafield columns…), by column, kept from an import to be exported again.
    extra_columns: Mapped[dict[str, str] | None] = mapped_column(JSON)

    # A deleted product stays as a tombstone until its deletion has reached Shopify.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # Filled by list queries with a COUNT subquery, so a page needn't load every variant.
    variants_count: Mapped[int | None] = query_expression()

    options: Mapped[list[ProductOption]] = relationship(
        back_populates="product",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="ProductOption.position",
    )
    variants: Mapped[list[ProductVariant]] = relationship(
        back_populates="product",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="ProductVariant.position",
    )
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="ProductImage.position",
    )
    tags: Mapped[list[ProductTag]] = relationship(
        back_populates="product",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="ProductTag.position",
    )
    metafields: Mapped[list[ProductMetafield]] = relationship(
        back_populates="product",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="ProductMetafield.id",
    )

    __table_args__ = (
        Index(
            "ix_product_unsynced",
            "id",
            sqlite_where=or_(synced_version.is_(None), version > synced_version),
            postgresql_where=or_(synced_version.is_(None), version > synced_version),
        ),
        Index("ix_product_title", "title"),
        Index("ix_product_tombstone", "id", **_only(deleted_at.is_not(None))),
        # What the product list filters and sorts by, live products only (tombstones are rare and
        # found through ix_product_tombstone). Each ends with deleted_at, which is always NULL in
        # these partial indexes, because SQLite (3.40) counts an index as covering only when it
        # holds every column the query names, including those of the index's own WHERE.
        *_live_indexes(deleted_at.is_(None)),
        # A full-text or tag search's count looks up every match by id to test status and price:
        # in this narrow copy of those columns, not in the wide row (20-30 % less time for the
        # count in SQLite, which is told to use it; see product/listing.py). SQLite's only: no
        # PostgreSQL plan reads it, and there every product write paid its entry (migration 0028).
        Index(FACETS_INDEX, *FACETS_INDEX_COLUMNS, **_only(deleted_at.is_(None))).ddl_if(
            dialect="sqlite"
        ),
    )

    @property
    def sync_state(self) -> SyncState:
        return sync_state_of(
            self.open_conflicts, self.sync_error, self.synced_version, self.version
        )


def sync_state_of(
    open_conflicts: int, sync_error: str | None, synced_version: int | None, version: int
) -> SyncState:
    if open_conflicts:
        return SyncState.conflict
    if sync_error:
        return SyncState.error
    if synced_version is None:
        return SyncState.never_synced
    if version > synced_version:
        return SyncState.pending
    return SyncState.synced


class ProductOption(TimestampedModel):
    __tablename__ = "product_option"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    values: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    # An option whose values come from a metafield (e.g. shopify.color-pattern); NULL when not.
    linked_metafield_namespace: Mapped[str | None] = mapped_column(String(255))
    linked_metafield_key: Mapped[str | None] = mapped_column(String(255))
    # A linked option's value name -> the metaobject it is in Shopify (gid), as pulled; the push
    # links the option by these (a value without one is sent by name, unlinked).
    linked_metafield_values: Mapped[dict[str, str] | None] = mapped_column(JSON)

    product: Mapped[Product] = relationship(back_populates="options", lazy="raise")


class ProductVariant(TimestampedModel):
    __tablename__ = "product_variant"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(255), nullable=False, default="Default Title")
    sku: Mapped[str | None] = mapped_column(String(255), index=True)
    barcode: Mapped[str | None] = mapped_column(String(255))
    price_cents: Mapped[int] = mapped_column(Cents, nullable=False, default=0)
    compare_at_price_cents: Mapped[int | None] = mapped_column(Cents)
    # Denormalised sum of `available` over the inventory levels (the levels are the truth).
    inventory_quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Inventory item: NULL wherever Shopify has not told us (unknown is not "no" or 0).
    # Indexed: every `inventory_levels/update` looks its variant up by it.
    shopify_inventory_item_id: Mapped[str | None] = mapped_column(String(64), index=True)
    inventory_tracked: Mapped[bool | None] = mapped_column(Boolean)
    inventory_policy: Mapped[str | None] = mapped_column(String(16))  # InventoryPolicy
    cost_cents: Mapped[int | None] = mapped_column(Cents)
    country_of_origin: Mapped[str | None] = mapped_column(String(2))
    hs_code: Mapped[str | None] = mapped_column(String(16))
    # The weight exactly as given (226.796185 OUNCES stays that), never rounded into grams.
    weight_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 9))
    weight_unit: Mapped[str | None] = mapped_column(String(16))  # WeightUnit
    # Shopify's unitPriceMeasurement: the four set or all NULL (see `unit_price_measurement`).
    unit_price_quantity_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 9))
    unit_price_quantity_unit: Mapped[str | None] = mapped_column(String(8))  # UnitPriceUnit
    unit_price_reference_value: Mapped[int | None] = mapped_column(Integer)
    unit_price_reference_unit: Mapped[str | None] = mapped_column(String(8))
    show_unit_price: Mapped[bool | None] = mapped_column(Boolean)
    requires_components: Mapped[bool | None] = mapped_column(Boolean)
    province_code_of_origin: Mapped[str | None] = mapped_column(String(8))
    # The whole per-country HS code list as `CountryHsCodes.text()` ("" read and none); see
    # `country_hs_codes`.
    country_hs_codes_text: Mapped[str | None] = mapped_column("country_hs_codes", Text)
    country_hs_codes = HsCodesText()
    option1: Mapped[str | None] = mapped_column(String(255))
    option2: Mapped[str | None] = mapped_column(String(255))
    option3: Mapped[str | None] = mapped_column(String(255))
    shopify_variant_id: Mapped[str | None] = mapped_column(String(64))
    taxable: Mapped[bool | None] = mapped_column(Boolean)
    tax_code: Mapped[str | None] = mapped_column(String(64))
    requires_shipping: Mapped[bool | None] = mapped_column(Boolean)
    # Shopify's 2026-10 API neither reads nor writes it; kept for the CSV ("manual" or an app's).
    fulfillment_service: Mapped[str | None] = mapped_column(String(255))
    image_id: Mapped[int | None] = mapped_column(
        ForeignKey("product_image.id", ondelete="SET NULL"), index=True
    )
    # This variant's row's Shopify CSV columns the catalog does not model (see Product's).
    extra_columns: Mapped[dict[str, str] | None] = mapped_column(JSON)

    product: Mapped[Product] = relationship(back_populates="variants", lazy="raise")
    inventory_levels: Mapped[list[InventoryLevel]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )
    image: Mapped[ProductImage | None] = relationship(lazy="raise", foreign_keys=[image_id])

    @property
    def option_values(self) -> list[str]:
        return [v for v in (self.option1, self.option2, self.option3) if v is not None]

    @property
    def unit_price_measurement(self) -> UnitPriceMeasure | None:
        return unit_price_of(self)

    @unit_price_measurement.setter
    def unit_price_measurement(self, measure: UnitPriceMeasure | None) -> None:
        set_unit_price(self, measure)

    @hybrid_property
    def weight_grams(self) -> int | None:
        return whole_grams(self.weight_value, self.weight_unit)

    @weight_grams.inplace.setter
    def _weight_grams_setter(self, grams: int | None) -> None:
        if grams is not None and grams == self.weight_grams:
            return  # the same weight in grams: keep the unit and fraction it was given in
        assign(self, "weight_value", None if grams is None else Decimal(grams))
        assign(self, "weight_unit", None if grams is None else WeightUnit.grams.value)

    @weight_grams.inplace.expression
    @classmethod
    def _weight_grams_expression(cls) -> ColumnElement[Decimal | None]:
        return cls.weight_value * case(
            {unit.value: factor for unit, factor in GRAMS_PER_UNIT.items()},
            value=cls.weight_unit,
            else_=1,
        )


class ProductImage(TimestampedModel):
    __tablename__ = "product_image"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    src: Mapped[str] = mapped_column(String(2048), nullable=False)
    alt: Mapped[str | None] = mapped_column(String(512))
    shopify_media_id: Mapped[str | None] = mapped_column(String(64))
    # Shopify's MediaContentType (IMAGE, VIDEO, EXTERNAL_VIDEO, MODEL_3D) and MediaStatus
    # (UPLOADED, PROCESSING, READY, FAILED); NULL for an image not yet in Shopify.
    media_content_type: Mapped[str | None] = mapped_column(String(32))
    media_status: Mapped[str | None] = mapped_column(String(32))
    # An image uploaded here: its name in the local media store (media.store); NULL for an image
    # known by URL. The push uploads it to Shopify until `shopify_media_id` is known.
    local_file: Mapped[str | None] = mapped_column(String(80))

    product: Mapped[Product] = relationship(back_populates="images", lazy="raise")


class ProductTag(TimestampedModel):
    """One tag of a product; `tag_key` (lower-cased) is what filters match, as Shopify does."""

    __tablename__ = "product_tag"
    __table_args__ = (
        UniqueConstraint("product_id", "tag_key"),
        # Covering for "how many live products carry this tag" (see product/listing.py).
        Index("ix_product_tag_tag_key", "tag_key", "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    tag_key: Mapped[str] = mapped_column(String(255), nullable=False)

    product: Mapped[Product] = relationship(back_populates="tags", lazy="raise")


# How many leading characters of a metafield's value the lookup index holds.
METAFIELD_VALUE_PREFIX = 64


class MetafieldOwner(StrEnum):
    product = "PRODUCT"
    variant = "PRODUCTVARIANT"


class ProductMetafield(TimestampedModel):
    """A metafield of a product (`variant_id` NULL) or of one of its variants."""

    __tablename__ = "product_metafield"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), nullable=False, index=True
    )
    variant_id: Mapped[int | None] = mapped_column(
        ForeignKey("product_variant.id", ondelete="CASCADE")
    )
    namespace: Mapped[str] = mapped_column(String(255), nullable=False)
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    type: Mapped[str] = mapped_column(String(255), nullable=False)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    shopify_metafield_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index(
            "uq_product_metafield_product_key",
            "product_id",
            "namespace",
            "key",
            unique=True,
            **_only(variant_id.is_(None)),
        ),
        Index(
            "uq_product_metafield_variant_key",
            "variant_id",
            "namespace",
            "key",
            unique=True,
            **_only(variant_id.is_not(None)),
        ),
        # The product list's metafield filter: namespace.key = value, the value by its first
        # characters (a whole rich-text value could pass PostgreSQL's index entry size limit).
        Index(
            "ix_product_metafield_lookup",
            "namespace",
            "key",
            func.substr(column("value"), 1, METAFIELD_VALUE_PREFIX),
            "product_id",
        ),
    )

    product: Mapped[Product] = relationship(back_populates="metafields", lazy="raise")
    variant: Mapped[ProductVariant | None] = relationship(lazy="raise")

    @property
    def owner(self) -> MetafieldOwner:
        return MetafieldOwner.product if self.variant_id is None else MetafieldOwner.variant


class MetafieldDefinition(TimestampedModel):
    """A metafield definition of the store (pulled): what a namespace.key holds and its name."""

    __tablename__ = "metafield_definition"
    __table_args__ = (UniqueConstraint("owner_type", "namespace", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_type: Mapped[str] = mapped_column(String(32), nullable=False)
    namespace: Mapped[str] = mapped_column(String(255), nullable=False)
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    type: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    shopify_definition_id: Mapped[str | None] = mapped_column(String(64), unique=True)
