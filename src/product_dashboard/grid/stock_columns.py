"""The editor's stock columns, through the levels per location the push sends from: the total
("Stock", in place of the registered one: it moves the primary location's level by as much, as a
product edit does in `inventory.levels.apply_local_edits`) and one column per active location.
A level the dashboard has no number for reads as empty, never 0."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.grid.columns import (
    MAX_STOCK,
    CellValue,
    GridColumn,
    integer_parser,
    register_source,
)
from product_dashboard.models import InventoryLevel, Location, Product, ProductVariant

LEVELS = (ProductVariant.inventory_levels,)


def _level(variant: ProductVariant, location_id: int) -> InventoryLevel | None:
    return next((lv for lv in variant.inventory_levels if lv.location_id == location_id), None)


def _set_level(variant: ProductVariant, location_id: int, available: int | None) -> None:
    level = _level(variant, location_id)
    if level is None:
        variant.inventory_levels.append(
            InventoryLevel(location_id=location_id, available=available)
        )
    else:
        level.available = available
    variant.inventory_quantity = sum(lv.available or 0 for lv in variant.inventory_levels)


def _total_writer(primary_id: int) -> Callable[[Product, ProductVariant, CellValue], None]:
    def write(product: Product, variant: ProductVariant, value: CellValue) -> None:
        total = int(value or 0)
        elsewhere = sum(
            lv.available or 0 for lv in variant.inventory_levels if lv.location_id != primary_id
        )
        _set_level(variant, primary_id, total - elsewhere)

    return write


def _location_reader(location_id: int) -> Callable[[Product, ProductVariant], CellValue]:
    def read(product: Product, variant: ProductVariant) -> CellValue:
        level = _level(variant, location_id)
        return level.available if level is not None else None

    return read


def _location_writer(location_id: int) -> Callable[[Product, ProductVariant, CellValue], None]:
    def write(product: Product, variant: ProductVariant, value: CellValue) -> None:
        # None only from an undo of a level that had no number: it has none again, not 0.
        _set_level(variant, location_id, None if value is None else int(value))

    return write


@register_source
async def stock_columns(session: AsyncSession) -> list[GridColumn]:
    locations = (
        await session.scalars(
            select(Location)
            .where(Location.is_active.is_(True))
            .order_by(Location.is_primary.desc(), Location.id)
        )
    ).all()
    primary = next((loc.id for loc in locations if loc.is_primary), None)
    if primary is None:
        return []  # no location yet: the registered "Stock" column stands
    total = GridColumn(
        key="inventory_quantity",
        label="Stock",
        level="variant",
        kind="integer",
        read=lambda p, v: v.inventory_quantity,
        parse=integer_parser(-MAX_STOCK, MAX_STOCK, required=True),
        write=_total_writer(primary),
        width=90,
        default=True,
        required=True,
        relations=LEVELS,
    )
    per_location = [
        GridColumn(
            key=f"stock_at_{location.id}",
            label=f"Stock at {location.name}",
            level="variant",
            kind="integer",
            read=_location_reader(location.id),
            parse=integer_parser(-MAX_STOCK, MAX_STOCK, required=True),
            write=_location_writer(location.id),
            width=110,
            relations=LEVELS,
        )
        for location in locations
    ]
    return [total, *per_location]
