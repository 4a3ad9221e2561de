"""Fields changed both in the dashboard and in Shopify since the last sync, awaiting a person."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from product_dashboard.models.base import TimestampedModel


class ConflictState(StrEnum):
    open = "open"
    resolved = "resolved"
    superseded = "superseded"  # replaced by a newer detection on the same product


class ProductConflict(TimestampedModel):
    """At most one open record per product; `fields` holds base/local/remote of each field."""

    __tablename__ = "product_conflict"
    __table_args__ = (Index("ix_product_conflict_state", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), nullable=False, index=True
    )
    state: Mapped[str] = mapped_column(String(16), nullable=False, default=ConflictState.open.value)
    source: Mapped[str] = mapped_column(String(16), nullable=False)  # webhook | pull | detect
    # [{"path", "label", "base", "local", "remote"}], one entry per conflicting field.
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    # Shopify's side as a SyncProduct dict: what keep_remote applies and the next base.
    remote: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    remote_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    local_version: Mapped[int] = mapped_column(nullable=False)
    resolution: Mapped[str | None] = mapped_column(String(16))  # keep_local | keep_remote | merge
    resolution_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
