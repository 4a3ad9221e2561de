"""Batch edit requests and results."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from product_dashboard.batch.pricing import PricingChange
from product_dashboard.collection.schemas import DbId
from product_dashboard.product.filters import ProductFilter
from product_dashboard.product.schemas import CategoryIn, ProductStatusLiteral

MAX_IDS = 10_000
SYNC_LIMIT = 1_000  # larger selections run as jobs


class Selection(BaseModel):
    """Exactly one of `product_ids` or `filter` (the list's query keys; `{}` selects all)."""

    model_config = ConfigDict(extra="forbid")

    product_ids: list[DbId] | None = Field(default=None, min_length=1, max_length=MAX_IDS)
    filter: ProductFilter | None = None

    @model_validator(mode="after")
    def _one_way(self) -> Selection:
        if (self.product_ids is None) == (self.filter is None):
            raise ValueError("select products with either 'product_ids' or 'filter'")
        return self

    def to_json(self) -> dict[str, Any]:
        if self.product_ids is not None:
            return {"product_ids": self.product_ids}
        assert self.filter is not None
        return {"filter": self.filter.model_dump(mode="json", exclude_none=True)}


class BatchBody(Selection):
    dry_run: bool = Field(default=False, description="Count and show a sample; change nothing")


class StatusBody(BatchBody):
    status: ProductStatusLiteral


class CategoryBody(BatchBody):
    category: CategoryIn | None = Field(description="null clears the category")


class PricingBody(BatchBody):
    pricing: PricingChange


class AddToCollectionBody(BatchBody):
    collection_id: DbId


BatchKind = Literal["status", "category", "pricing", "add_to_collection", "delete", "cells"]


class BatchResult(BaseModel):
    batch_id: str | None
    kind: BatchKind
    dry_run: bool
    state: str
    matched: int
    changed: int
    unchanged: int
    job_id: str | None = None
    sample: list[dict[str, Any]] | None = Field(
        default=None, description="Dry run: products as they are and as they would be"
    )


class BatchRead(BaseModel):
    id: str
    kind: str
    state: str
    params: dict[str, Any]
    matched: int
    changed: int
    error: str | None
    job_id: str | None
    undo_job_id: str | None
    actor_email: str | None
    created_at: datetime
    finished_at: datetime | None
    undone_at: datetime | None


class UndoResult(BaseModel):
    batch_id: str
    state: str
    reverted: int
    job_id: str | None = None
