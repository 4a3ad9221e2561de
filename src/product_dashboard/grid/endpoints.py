"""`/api/products/grid`: the bulk editor's columns and its rows, a page at a time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from product_dashboard.auth.dependencies import CurrentPrincipal
from product_dashboard.db import SessionDep
from product_dashboard.exceptions import Unprocessable
from product_dashboard.grid.columns import GridColumn, available
from product_dashboard.grid.rows import grid_page
from product_dashboard.grid.schemas import GridColumnRead, GridPage
from product_dashboard.kit.sorting import parse_sort
from product_dashboard.product.filters import ProductFilterDep
from product_dashboard.product.listing import SORTABLE

router = APIRouter(prefix="/api/products/grid", tags=["bulk editor"])

MAX_ROWS = 500


def _columns(text: str | None, columns: dict[str, GridColumn]) -> list[GridColumn]:
    if not text:
        return [column for column in columns.values() if column.default]
    keys = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [key for key in keys if key not in columns]
    if unknown:
        raise Unprocessable(
            f"Unknown column(s) {', '.join(unknown)}. Columns: {', '.join(columns)}.",
            fields=[{"loc": ["query", "columns"], "msg": f"unknown column {k!r}"} for k in unknown],
        )
    return [columns[key] for key in keys]


@router.get("/columns", response_model=list[GridColumnRead])
async def grid_columns(session: SessionDep, _: CurrentPrincipal) -> list[GridColumnRead]:
    """Every column the editor can show, in the registry's order."""
    return [
        GridColumnRead(
            key=c.key,
            label=c.label,
            level=c.level,
            kind=c.kind,
            choices=list(c.choices),
            width=c.width,
            default=c.default,
            required=c.required,
        )
        for c in (await available(session)).values()
    ]


@router.get("", response_model=GridPage)
async def grid_rows(
    session: SessionDep,
    _: CurrentPrincipal,
    selection: ProductFilterDep,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_ROWS)] = 200,
    sort: Annotated[
        str, Query(max_length=200, description="As the product list's sort")
    ] = "-updated_at",
    columns: Annotated[
        str | None, Query(max_length=2000, description="Column keys, comma-separated")
    ] = None,
) -> GridPage:
    """Variant rows of the products matching the filter (the list's filters), in the list's
    order then by variant position."""
    return await grid_page(
        session,
        selection,
        sort=parse_sort(sort, SORTABLE, [("updated_at", True)]),
        offset=offset,
        limit=limit,
        columns=_columns(columns, await available(session)),
    )
