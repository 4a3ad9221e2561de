"""A saved view of the product list or the bulk editor: filters, sort and columns, by name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from product_dashboard.models.base import TimestampedModel


class SavedView(TimestampedModel):
    __tablename__ = "saved_view"
    __table_args__ = (Index("ix_saved_view_owner_id_name", "owner_id", "name", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("user.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    # Shared views are listed for the whole team; only their owner (or an admin) changes them.
    shared: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, index=True)
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    sort: Mapped[str] = mapped_column(String(200), nullable=False, default="-updated_at")
    columns: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
