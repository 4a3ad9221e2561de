"""Legacy generic batches: a named list of operations, each on a list of products."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from product_dashboard.batch.pricing import PricingChange
from product_dashboard.collection.schemas import DbId
from product_dashboard.kit.pagination import Page
from product_dashboard.product.schemas import CategoryIn, ProductStatusLiteral

MAX_ITEMS = 10_000
ProductIds = Annotated[list[DbId], Field(min_length=1, max_length=MAX_ITEMS)]
Tags = Annotated[list[Annotated[str, Field(min_length=1, max_length=255)]], Field(min_length=1)]


class _Op(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_ids: ProductIds

    @field_validator("product_ids")
    @classmethod
    def _unique(cls, ids: list[int]) -> list[int]:
        if len(set(ids)) != len(ids):
            raise ValueError("product ids must not repeat within an operation")
        return ids


class StatusParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: ProductStatusLiteral


class CategoryParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: CategoryIn | None


class CollectionParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    collection_id: DbId


class TagParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tags: Tags

    @field_validator("tags")
    @classmethod
    def _no_commas(cls, tags: list[str]) -> list[str]:
        if any("," in t for t in tags):
            raise ValueError("a tag cannot contain a comma")
        return tags


class FieldParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, min_length=1, max_length=255)
    vendor: str | None = Field(default=None, max_length=255)
    product_type: str | None = Field(default=None, max_length=255)
    description_html: str | None = Field(default=None, max_length=512_000)


class UpdateStatus(_Op):
    type: Literal["update_status"]
    params: StatusParams


class UpdateCategory(_Op):
    type: Literal["update_category"]
    params: CategoryParams


class UpdatePricing(_Op):
    type: Literal["update_pricing"]
    params: PricingChange


class AddToCollection(_Op):
    type: Literal["add_to_collection"]
    params: CollectionParams


class AddTags(_Op):
    type: Literal["add_tags"]
    params: TagParams


class RemoveTags(_Op):
    type: Literal["remove_tags"]
    params: TagParams


class UpdateFields(_Op):
    type: Literal["update_fields"]
    params: FieldParams


class Delete(_Op):
    type: Literal["delete"]
    params: dict[str, Any] = Field(default_factory=dict)


Operation = Annotated[
    UpdateStatus
    | UpdateCategory
    | UpdatePricing
    | AddToCollection
    | AddTags
    | RemoveTags
    | UpdateFields
    | Delete,
    Field(discriminator="type"),
]


class LegacyBatchCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255)
    operations: list[Operation] = Field(min_length=1, max_length=100)


class LegacyItemRead(BaseModel):
    id: int
    position: int
    operation: str
    product_id: int
    state: str
    error: str | None
    duration_ms: float | None
    finished_at: datetime | None


class LegacyBatchRead(BaseModel):
    id: str
    name: str
    state: str
    total_items: int
    processed_items: int
    failed_items: int
    percent: float
    job_id: str | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class LegacyBatchStatus(LegacyBatchRead):
    items: Page[LegacyItemRead]


class LegacyStats(BaseModel):
    batches: int
    by_state: dict[str, int]
    items_total: int
    items_processed: int
    items_failed: int
    failure_rate: float | None = Field(description="failed / processed items, 0 to 1")
    mean_item_duration_ms: float | None
    mean_batch_duration_seconds: float | None
