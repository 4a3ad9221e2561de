"""Saved view requests and responses."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from product_dashboard.kit.sorting import parse_sort
from product_dashboard.kit.text import without_nul
from product_dashboard.product.filters import ProductFilter
from product_dashboard.product.listing import SORTABLE


class SavedViewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    shared: bool = Field(default=False, description="Listed for the whole team (read-only to them)")
    filters: ProductFilter = Field(default_factory=ProductFilter)
    sort: str = Field(default="-updated_at", max_length=200)
    columns: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list, max_length=100, description="Bulk editor columns; [] for defaults"
    )

    @field_validator("name")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return without_nul(value).strip()

    @field_validator("sort")
    @classmethod
    def _sortable(cls, value: str) -> str:
        parse_sort(value, SORTABLE, [("updated_at", True)])
        return value

    @field_validator("columns")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))  # checked against the editor's columns by the service


class SavedViewRead(BaseModel):
    id: int
    name: str
    shared: bool
    mine: bool = Field(description="Yours: you may change or delete it")
    owner_email: str
    filters: dict[str, object]
    sort: str
    columns: list[str]
    updated_at: datetime
