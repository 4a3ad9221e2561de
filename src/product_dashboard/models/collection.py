"""Collections: manual (an ordered product list) or smart (membership follows a rule set)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from product_dashboard.models.base import Model, TimestampedModel


class CollectionType(StrEnum):
    manual = "manual"
    smart = "smart"


class Collection(TimestampedModel):
    __tablename__ = "collection"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    handle: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    description_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    collection_type: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    # Smart collections: [{"column", "relation", "condition"}], matched all (or any if disjunctive).
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    disjunctive: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    sort_order: Mapped[str] = mapped_column(String(32), nullable=False, default="manual")
    # Set by `auto-by-type` ("type:<lowercased type>") so that a rerun refreshes the collection.
    auto_key: Mapped[str | None] = mapped_column(String(300), unique=True)

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    synced_version: Mapped[int | None] = mapped_column(Integer)
    synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sync_error: Mapped[str | None] = mapped_column(Text)
    # What Shopify held at the last sync (`collection.service.synced_base`); None: not recorded.
    synced_base: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    shopify_collection_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)


class CollectionProduct(Model):
    """Membership of a manual collection, with the product's position in it."""

    __tablename__ = "collection_product"
    __table_args__ = (Index("ix_collection_product_order", "collection_id", "position"),)

    collection_id: Mapped[int] = mapped_column(
        ForeignKey("collection.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
