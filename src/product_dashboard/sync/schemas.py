"""Request and response shapes of the sync API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from product_dashboard.job.schemas import JobProgress
from product_dashboard.kit.text import NoNulStr
from product_dashboard.models import JobState
from product_dashboard.product.filters import ProductFilter
from product_dashboard.sync.push.modes import PushMode
from product_dashboard.sync.push.planner import PushScope

Direction = Literal["push", "pull"]
MAX_IDS = 100_000


class Selection(BaseModel):
    """Which products: ids, or a filter with the product list's keys; neither means all."""

    model_config = ConfigDict(extra="forbid")

    product_ids: list[int] | None = Field(default=None, max_length=MAX_IDS)
    filter: ProductFilter | None = None
    only_changed: bool = Field(
        default=True, description="Push only products changed since their last sync"
    )

    @model_validator(mode="after")
    def _one_selector(self) -> Selection:
        if self.product_ids is not None and self.filter is not None:
            raise ValueError("give product_ids or filter, not both")
        return self

    def push_scope(self) -> PushScope:
        return PushScope(
            product_ids=tuple(self.product_ids) if self.product_ids is not None else None,
            filter=self.filter.model_dump(mode="json", exclude_none=True)
            if self.filter is not None
            else None,
            only_changed=self.only_changed,
        )


class SyncStart(Selection):
    direction: Direction = "push"
    mode: PushMode = PushMode.auto
    dry_run: bool = Field(
        default=False,
        description="Preview only: the job records what it would change (its results), "
        "field by field, and writes nothing (a push sends nothing; a pull only reads Shopify)",
    )


class BatchSync(Selection):
    mode: PushMode = PushMode.auto

    @model_validator(mode="after")
    def _needs_selection(self) -> BatchSync:
        if self.product_ids is None and self.filter is None:
            raise ValueError("give product_ids or filter")
        return self


class UndoRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dry_run: bool = Field(default=False, description="Preview the undo only")


class JobRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # A NUL answered 500 on PostgreSQL (the job's look-up), found by the API fuzz.
    job_id: NoNulStr = Field(min_length=1, max_length=32)


class JobStarted(BaseModel):
    job_id: str


class SyncMetrics(BaseModel):
    products_per_second: float = 0.0
    api_calls: int = 0
    cost_points: int = 0
    throttled_responses: int = 0
    workers: int = 0
    workers_min: int = 0
    workers_max: int = 0
    latency_ms: float | None = None
    mode: str | None = None


class SyncStatus(BaseModel):
    job_id: str
    state: JobState
    direction: Direction
    mode: str | None
    progress: JobProgress
    metrics: SyncMetrics
    eta_seconds: float | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime = Field(description="The job's last write (as in the job's own answers)")
    bulk: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = Field(
        default_factory=list, description="Per-product failures (first 200)"
    )
    phase: Literal["previewing"] | None = Field(
        default=None,
        description="previewing: a guarded pull reads Shopify for its preview (progress: read)",
    )


class BulkOperationRequest(Selection):
    action: Literal["start", "cancel"]
    direction: Direction = "push"
    id: str | None = Field(default=None, max_length=32, description="Our id, for cancel")

    @model_validator(mode="after")
    def _cancel_needs_id(self) -> BulkOperationRequest:
        if self.action == "cancel" and not self.id:
            raise ValueError("cancel needs the id of the bulk run")
        return self


class BulkOperationRef(BaseModel):
    id: str
    job_id: str
    state: JobState


class BulkRunStatus(BaseModel):
    id: str
    state: JobState
    direction: Direction
    shopify: dict[str, Any] | None = Field(
        description="Shopify's status of the (last) bulk operation: id, status, object count"
    )
    progress: JobProgress
    results: dict[str, Any]


class Alert(BaseModel):
    kind: Literal["error_rate", "throttled_share", "throughput_drop"]
    message: str
    value: float
    threshold: float


class PerformanceRun(BaseModel):
    job_id: str
    state: JobState
    direction: Direction
    mode: str | None
    created_at: datetime
    finished_at: datetime | None
    progress: JobProgress
    metrics: dict[str, Any]
    alerts: list[Alert]


class Performance(BaseModel):
    runs: list[PerformanceRun]
    total: int
    alerts: list[Alert] = Field(description="Alerts of the latest run")
    thresholds: dict[str, float]
