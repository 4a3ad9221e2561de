"""Batch edits of products: the batch, and per product / per variant the values before it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from product_dashboard.kit.time import utcnow
from product_dashboard.models.base import Cents, Model


class BatchState(StrEnum):
    queued = "queued"
    running = "running"
    completed = "completed"
    failed = "failed"
    undoing = "undoing"
    undone = "undone"


class ProductBatch(Model):
    __tablename__ = "product_batch"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    matched: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    changed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[str | None] = mapped_column(String(32))
    undo_job_id: Mapped[str | None] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow, index=True
    )
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# The staging tables below name their batch without a foreign key: on PostgreSQL its check ran
# once per staged row (a third of staging 300,000 variants' old prices), and nothing deletes a
# batch, whose rows are what its undo reads. Nor have they a primary key in the database: every
# reader reads a whole batch, through an index on `batch_id` alone (a unique (batch, row) key
# cost a 100k-product price batch ~0.5 s of PostgreSQL's CPU, migration 0034). A batch's rows
# are unique by construction; the mapper's key below is for the ORM only.


class ProductBatchItem(Model):
    """A product the batch changed, its version right after, and the product-level old values."""

    __tablename__ = "product_batch_item"

    batch_id: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    product_id: Mapped[int] = mapped_column(Integer, nullable=False)
    version_after: Mapped[int | None] = mapped_column(Integer)
    old_status: Mapped[str | None] = mapped_column(String(16))
    old_category_id: Mapped[str | None] = mapped_column(String(255))
    old_category_name: Mapped[str | None] = mapped_column(String(512))
    old_handle: Mapped[str | None] = mapped_column(String(255))
    # Pricing batches: the product's price range before and after, so neither apply nor undo
    # recomputes it from the variants.
    old_price_min_cents: Mapped[int | None] = mapped_column(Cents)
    old_price_max_cents: Mapped[int | None] = mapped_column(Cents)
    new_price_min_cents: Mapped[int | None] = mapped_column(Cents)
    new_price_max_cents: Mapped[int | None] = mapped_column(Cents)

    __mapper_args__ = {"primary_key": [batch_id, product_id]}


class ProductBatchVariant(Model):
    """A variant whose price a batch changed: old and new values."""

    __tablename__ = "product_batch_variant"

    batch_id: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    variant_id: Mapped[int] = mapped_column(Integer, nullable=False)
    product_id: Mapped[int] = mapped_column(Integer, nullable=False)
    old_price_cents: Mapped[int] = mapped_column(Cents, nullable=False)
    old_compare_at_price_cents: Mapped[int | None] = mapped_column(Cents)
    new_price_cents: Mapped[int] = mapped_column(Cents, nullable=False)
    new_compare_at_price_cents: Mapped[int | None] = mapped_column(Cents)

    __mapper_args__ = {"primary_key": [batch_id, variant_id]}


class ProductBatchCell(Model):
    """A cell a grid batch changed: the column's value before and after, as the grid shows it.

    `variant_id` is 0 for a product-level column (tags, vendor, …), one row per product.
    """

    __tablename__ = "product_batch_cell"

    batch_id: Mapped[str] = mapped_column(
        ForeignKey("product_batch.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    variant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    field: Mapped[str] = mapped_column(String(64), primary_key=True)
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
