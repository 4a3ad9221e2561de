"""Webhook API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from product_dashboard.models import WebhookEvent

WebhookStateLiteral = Literal["pending", "processing", "processed", "ignored", "dead"]


class WebhookStatus(BaseModel):
    receiving: bool = Field(
        description="A webhook secret is configured, so deliveries are accepted"
    )
    processing: bool = Field(description="The background processor is running")
    pending: int
    failed: int = Field(description="Pending events that failed at least once (retrying)")
    dead: int
    last_received_at: datetime | None
    registration: dict[str, Any]
    reconciliation: dict[str, Any] | None


class AckLatency(BaseModel):
    samples: int
    p50_ms: float | None
    p99_ms: float | None
    max_ms: float | None


class BatchSizes(BaseModel):
    samples: int
    mean: float | None
    max: float | None


class AckPhases(BaseModel):
    store: AckLatency = Field(
        description="Handed to the writer until its batch committed (queueing + writing)"
    )
    batch_write: AckLatency = Field(description="Per batch: the INSERT and COMMIT alone")
    lock_wait: AckLatency = Field(
        description="Per batch: waiting for the write lock (SQLite: a processing transaction)"
    )
    batch_size: BatchSizes = Field(description="Deliveries per committed batch")


class WebhookMetrics(BaseModel):
    received: int
    accepted: int
    refused: int = Field(description="Bad or missing HMAC (401), nothing stored")
    duplicates: int
    rejected: int = Field(description="Malformed deliveries (400/413)")
    spooled: int = Field(
        0,
        description="Deliveries stored in the spool beside the SQLite database since the start, "
        "because another transaction held its write lock too long (moved to the table after)",
    )
    processed: int
    failed: int
    dead: int
    pending: int
    outcomes: dict[str, int]
    ack_latency: AckLatency
    ack_phases: AckPhases


class WebhookEventRead(BaseModel):
    id: int
    webhook_id: str
    event_id: str | None
    topic: str
    resource_id: str | None
    state: WebhookStateLiteral
    outcome: str | None
    attempts: int
    last_error: str | None
    received_at: datetime
    processed_at: datetime | None
    next_attempt_at: datetime | None
    triggered_at: str | None

    @classmethod
    def of(cls, event: WebhookEvent) -> WebhookEventRead:
        return cls(
            id=event.id,
            webhook_id=event.webhook_id,
            event_id=event.event_id,
            topic=event.topic,
            resource_id=event.resource_id,
            state=event.state,
            outcome=event.outcome,
            attempts=event.attempts,
            last_error=event.last_error,
            received_at=event.received_at,
            processed_at=event.processed_at,
            next_attempt_at=event.next_attempt_at if event.state == "pending" else None,
            triggered_at=event.triggered_at,
        )


class WebhookTestRequest(BaseModel):
    """A test delivery always carries the built-in sample product, which is read, never saved."""

    model_config = ConfigDict(extra="forbid")

    topic: Literal["products/update", "products/create"] = "products/update"


class WebhookTestResult(BaseModel):
    status_code: int
    webhook_id: str
    accepted: bool
    duplicate: bool
    event: WebhookEventRead | None
