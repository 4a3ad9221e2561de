"""Shapes of the grid API: its columns, a page of rows, and cell edits."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from product_dashboard.grid.columns import CellValue, Kind, Level

MAX_CELLS = 50_000  # well within the 10 MiB request body limit


class GridColumnRead(BaseModel):
    key: str
    label: str
    level: Level = Field(description="product: one value shown on each of its variants' rows")
    kind: Kind
    choices: list[str]
    width: int
    default: bool = Field(description="Shown until the merchant chooses columns")
    required: bool = Field(description="A blank cell is refused")


class GridRow(BaseModel):
    product_id: int
    variant_id: int
    version: int = Field(description="The product's version: send it back with edits")
    title: str
    variant_title: str
    values: dict[str, CellValue]


class GridPage(BaseModel):
    rows: list[GridRow]
    total: int = Field(description="Rows (variants) matching the filter")
    offset: int


class CellEdit(BaseModel):
    """A new value for one cell; product-level columns take `variant_id` null (or any of the
    product's variants, as the grid sends it)."""

    model_config = ConfigDict(extra="forbid")

    product_id: int = Field(ge=1, le=2**31 - 1)
    variant_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    field: str = Field(max_length=64)
    value: str | int | float | None = Field(
        union_mode="left_to_right", description='Text, a number, or null; money as "19.99"'
    )
    version: int | None = Field(
        default=None, ge=1, description="The product version the edit was made on; stale: 409"
    )


class CellsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cells: list[CellEdit] = Field(min_length=1, max_length=MAX_CELLS)
    dry_run: bool = Field(default=False, description="Count and show a sample; change nothing")
