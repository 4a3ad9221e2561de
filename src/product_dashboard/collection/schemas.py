"""Request and response shapes of the collection API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from product_dashboard.product.rules import MAX_RULES, Rule

CollectionTypeLiteral = Literal["manual", "smart"]
SortOrderLiteral = Literal[
    "MANUAL",
    "ALPHA_ASC",
    "ALPHA_DESC",
    "PRICE_ASC",
    "PRICE_DESC",
    "CREATED",
    "CREATED_DESC",
    "BEST_SELLING",
]
CollectionSyncState = Literal["never_synced", "pending", "synced", "error"]
MAX_IDS = 10_000
MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]


class CollectionFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    handle: str | None = Field(default=None, max_length=255)
    description_html: str | None = Field(default=None, max_length=512_000)
    rules: list[Rule] | None = Field(default=None, max_length=MAX_RULES)
    disjunctive: bool | None = Field(
        default=None, description="true: a product matching any rule belongs; false: all rules"
    )
    sort_order: SortOrderLiteral | None = None


class CollectionCreate(CollectionFields):
    title: str = Field(min_length=1, max_length=255)
    collection_type: CollectionTypeLiteral | None = Field(
        default=None, description="Defaults to smart when rules are given, else manual."
    )
    product_ids: list[DbId] | None = Field(
        default=None, max_length=MAX_IDS, description="Initial products of a manual collection"
    )


class CollectionUpdate(CollectionFields):
    title: str | None = Field(default=None, min_length=1, max_length=255)
    version: int | None = Field(default=None, ge=1, description="Stale versions get 409.")


class CollectionRead(BaseModel):
    id: int
    title: str
    handle: str
    description_html: str
    collection_type: CollectionTypeLiteral
    rules: list[Rule]
    disjunctive: bool
    sort_order: str
    products_count: int | None
    auto_generated: bool
    version: int
    sync_state: CollectionSyncState
    shopify_collection_id: str | None
    synced_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ProductIdsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_ids: list[DbId] = Field(min_length=1, max_length=MAX_IDS)
    position: int | None = Field(
        default=None, ge=1, description="Insert at this 1-based position (default: at the end)"
    )

    @field_validator("product_ids")
    @classmethod
    def _unique(cls, ids: list[int]) -> list[int]:
        if len(set(ids)) != len(ids):
            raise ValueError("product ids must not repeat")
        return ids


class ReorderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_ids: list[DbId] = Field(
        min_length=1,
        max_length=MAX_IDS,
        description="All members in their new order, or some of them: those then swap among "
        "the positions they occupy (reordering one page of a long collection).",
    )

    @field_validator("product_ids")
    @classmethod
    def _unique(cls, ids: list[int]) -> list[int]:
        if len(set(ids)) != len(ids):
            raise ValueError("product ids must not repeat")
        return ids


class MembershipChange(BaseModel):
    collection_id: int
    added: int = 0
    removed: int = 0
    already_present: int = 0
    products_count: int


class RulePreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[Rule] = Field(min_length=1, max_length=MAX_RULES)
    disjunctive: bool = False


class ProductTypeCount(BaseModel):
    product_type: str
    products_count: int
    collection_id: int | None = Field(description="The smart collection made for this type, if any")


class AutoByTypeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_products: int = Field(default=1, ge=1, description="Skip types with fewer products")
    prune: bool = Field(
        default=False, description="Delete auto collections whose type has no products left"
    )


class AutoByTypeResult(BaseModel):
    created: list[int]
    updated: list[int]
    unchanged: list[int]
    deleted: list[int]


class SuggestionRead(BaseModel):
    title: str
    collection_type: CollectionTypeLiteral
    rules: list[Rule]
    disjunctive: bool
    product_ids: list[int]
    size: int
    reason: str
    source: str
