"""The catalog: product, its options, variants, images and tags."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from product_dashboard.models.base import TimestampedModel


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


class Product(TimestampedModel):
    __tablename__ = "product"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    handle: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    description_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    vendor: Mapped[str] = mapped_column(String(255), nullable=False, default="", index=True)
    product_type: Mapped[str] = mapped_column(String(255), nullable=False, default="", index=True)
    category_id: Mapped[str | None] = mapped_column(String(255))
    category_name: Mapped[str | None] = mapped_column(String(512))
    status: Mapped[str] = mapped_column(
        String(16), nullable=False, default=ProductStatus.draft.value, index=True
    )
    icon_path: Mapped[str | None] = mapped_column(String(512))

    # Denormalised from variants so list filters and sorting stay indexed.
    price_min_cents: Mapped[int | None] = mapped_column(Integer, index=True)
    price_max_cents: Mapped[int | None] = mapped_column(Integer, index=True)
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

    # A deleted product stays as a tombstone until its deletion has reached Shopify.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

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

    __table_args__ = (
        Index(
            "ix_product_unsynced",
            "id",
            sqlite_where=or_(synced_version.is_(None), version > synced_version),
            postgresql_where=or_(synced_version.is_(None), version > synced_version),
        ),
        Index("ix_product_updated_at", "updated_at"),
        Index("ix_product_title", "title"),
    )

    @property
    def sync_state(self) -> SyncState:
        if self.open_conflicts:
            return SyncState.conflict
        if self.sync_error:
            return SyncState.error
        if self.synced_version is None:
            return SyncState.never_synced
        if self.version > self.synced_version:
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
    price_cents: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    compare_at_price_cents: Mapped[int | None] = mapped_column(Integer)
    inventory_quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    weight_grams: Mapped[int | None] = mapped_column(Integer)
    option1: Mapped[str | None] = mapped_column(String(255))
    option2: Mapped[str | None] = mapped_column(String(255))
    option3: Mapped[str | None] = mapped_column(String(255))
    shopify_variant_id: Mapped[str | None] = mapped_column(String(64))

    product: Mapped[Product] = relationship(back_populates="variants", lazy="raise")

    @property
    def option_values(self) -> list[str]:
        return [v for v in (self.option1, self.option2, self.option3) if v is not None]


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

    product: Mapped[Product] = relationship(back_populates="images", lazy="raise")


class ProductTag(TimestampedModel):
    """One tag of a product; `tag_key` (lower-cased) is what filters match, as Shopify does."""

    __tablename__ = "product_tag"
    __table_args__ = (UniqueConstraint("product_id", "tag_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    tag_key: Mapped[str] = mapped_column(String(255), nullable=False, index=True)

    product: Mapped[Product] = relationship(back_populates="tags", lazy="raise")
