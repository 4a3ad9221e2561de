"""The list envelope every collection endpoint returns: `{"items", "total", "page", "per_page"}`."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Path, Query
from pydantic import BaseModel

T = TypeVar("T")

MAX_PER_PAGE = 200
MAX_ID = 2**31 - 1  # PostgreSQL INTEGER: larger ids can't exist, so they are a 422, not a 500

EntityId = Annotated[int, Path(ge=1, le=MAX_ID, description="Numeric id")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int


class PaginationParams(BaseModel):
    page: int = 1
    per_page: int = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


# async: FastAPI runs a plain `def` dependency in its thread pool, a thread hop per request.
async def _pagination(
    page: Annotated[int, Query(ge=1, le=1_000_000, description="1-based page number")] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Items per page")] = 50,
) -> PaginationParams:
    return PaginationParams(page=page, per_page=per_page)


PaginationDep = Annotated[PaginationParams, Depends(_pagination)]
