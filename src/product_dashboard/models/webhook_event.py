"""Shopify webhook deliveries as received: stored before we answer, then processed in order."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from product_dashboard.kit.time import utcnow
from product_dashboard.models.base import Model

PRUNED_BODY = ""  # a handled event keeps its row (event log, de-duplication), not its body
HELD = "not_linked"
"""The outcome of an event kept until what it is about is linked here (`inventory.inbound`)."""
_IS_HELD = text(f"outcome = '{HELD}'")


class WebhookState(StrEnum):
    pending = "pending"  # stored, waiting for (another) attempt
    processing = "processing"  # claimed by a processor until `locked_until`
    processed = "processed"  # applied (or recognised as nothing to do)
    ignored = "ignored"  # deliberately not applied: stale, our own echo, unhandled topic
    dead = "dead"  # failed `max_attempts` times; kept for inspection and replay

    @property
    def is_final(self) -> bool:
        return self in (WebhookState.processed, WebhookState.ignored, WebhookState.dead)


class WebhookEvent(Model):
    """One delivery; `webhook_id` (X-Shopify-Webhook-Id) is unique, so a redelivery is a no-op."""

    __tablename__ = "webhook_event"
    __table_args__ = (
        Index("ix_webhook_event_due", "state", "next_attempt_at"),
        Index("ix_webhook_event_topic", "topic", "id"),
        # The few held events, found without reading every event of their topic.
        Index(
            "ix_webhook_event_held",
            "topic",
            "received_at",
            sqlite_where=_IS_HELD,
            postgresql_where=_IS_HELD,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[str] = mapped_column(String(128), nullable=False, unique=True)
    event_id: Mapped[str | None] = mapped_column(String(128))
    topic: Mapped[str] = mapped_column(String(64), nullable=False)
    shop_domain: Mapped[str | None] = mapped_column(String(255))
    api_version: Mapped[str | None] = mapped_column(String(32))
    triggered_at: Mapped[str | None] = mapped_column(String(64))
    # The Shopify gid the payload is about, when it has one (orders events per resource).
    resource_id: Mapped[str | None] = mapped_column(String(128), index=True)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    state: Mapped[str] = mapped_column(
        String(16), nullable=False, default=WebhookState.pending.value
    )
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow, index=True
    )
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
