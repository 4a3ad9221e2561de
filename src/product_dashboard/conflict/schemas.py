"""Conflict API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from product_dashboard.models import ProductConflict


class ConflictField(BaseModel):
    path: str = Field(examples=["title", "variants[Small].price"])
    label: str
    base: Any
    local: Any
    remote: Any


class ConflictRead(BaseModel):
    id: int
    product_id: int
    product_title: str | None
    state: Literal["open", "resolved", "superseded"]
    source: str
    fields: list[ConflictField]
    remote_updated_at: datetime | None
    local_version: int
    resolution: str | None
    resolution_values: dict[str, Any] | None
    resolved_at: datetime | None
    resolved_by_id: int | None
    created_at: datetime

    @classmethod
    def of(cls, record: ProductConflict, title: str | None) -> ConflictRead:
        return cls(
            id=record.id,
            product_id=record.product_id,
            product_title=title,
            state=record.state,
            source=record.source,
            fields=[ConflictField.model_validate(f) for f in record.fields],
            remote_updated_at=record.remote_updated_at,
            local_version=record.local_version,
            resolution=record.resolution,
            resolution_values=record.resolution_values,
            resolved_at=record.resolved_at,
            resolved_by_id=record.resolved_by_id,
            created_at=record.created_at,
        )


class ResolveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    strategy: Literal["keep_local", "keep_remote", "merge"]
    fields: dict[str, Any] | None = Field(
        default=None,
        description=(
            "For `merge`: every conflicting field path → 'local', 'remote' or {'value': …}"
        ),
        examples=[{"title": "remote", "variants[Small].price": {"value": "21.50"}}],
    )

    @model_validator(mode="after")
    def _fields_for_merge(self) -> ResolveRequest:
        if self.strategy == "merge" and not self.fields:
            raise ValueError("strategy 'merge' needs `fields` with a choice per field")
        return self


class ResolveResult(BaseModel):
    conflict: ConflictRead
    product_id: int | None = Field(description="None when the resolution deleted the product")
    product_version: int | None
    push_needed: bool
    push_job_id: str | None = Field(
        description="The queued push; None when no push is needed or no push engine is installed"
    )


class DetectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_ids: list[int] | None = Field(
        default=None, max_length=100_000, description="Products to check; all linked when omitted"
    )


class CheckStarted(BaseModel):
    """A check of the store (detect or reconcile) runs as a job: follow it at /api/jobs/{id};
    its report lists what it found and every product it could not check, with the reason."""

    job_id: str
    type: str
    state: str
    already_running: bool = Field(
        description="A check of this kind was already queued or running: this is that job"
    )
