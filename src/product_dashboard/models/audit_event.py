from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from product_dashboard.kit.time import utcnow
from product_dashboard.models.base import Model


class AuditSource(StrEnum):
    ui = "ui"
    api = "api"
    import_ = "import"
    sync = "sync"
    webhook = "webhook"
    batch = "batch"
    cli = "cli"


PRODUCT_DELETION_INDEX = "ix_audit_event_product_deletion"
_PRODUCT_DELETION = text("entity_type = 'product' AND action = 'delete'")


class AuditEvent(Model):
    """Append-only record of a change: who, when, from where, to what, before and after."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_entity", "entity_type", "entity_id", "id"),
        # The few product deletions (`GET /api/products/deleted`), newest first, without walking
        # every entry of the log (a price batch writes one a product).
        Index(
            PRODUCT_DELETION_INDEX,
            "id",
            sqlite_where=_PRODUCT_DELETION,
            postgresql_where=_PRODUCT_DELETION,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_email: Mapped[str | None] = mapped_column(String(320))
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    entity_type: Mapped[str] = mapped_column(String(32), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    batch_id: Mapped[str | None] = mapped_column(String(32), index=True)
