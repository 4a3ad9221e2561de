"""The editor's stock columns, through the levels per location the push sends from: the total
("Stock", in place of the registered one) and one column per active location. Their cells are
levels' intents, which the batch sets as the stock API does (`inventory.levels.set_intents`); a
total's edit is the primary location's level moved as a product edit moves it
(`inventory.levels.moved_primary`). A level the dashboard has no number for reads as empty,
never 0.

With no active primary location listed (none ever made: no product written yet; or a pull found
none active), the total still sets the primary location's level, as a product edit's quantity
does: the one `inventory.locations.primary_location_id` finds, a placeholder until the store's
locations are pulled (it then takes the store's primary location's id, and the push sends it
there). A primary known only as deactivated is refused (422), as the stock API and imports
refuse a level at a deactivated location. The total never sets a quantity without a level."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.exceptions import Unprocessable
from product_dashboard.grid.columns import (
    COLUMNS,
    MAX_STOCK,
    CellValue,
    GridColumn,
    LevelCell,
    integer_parser,
    register_source,
)
from product_dashboard.inventory.levels import QuantityEdit, moved_primary
from product_dashboard.inventory.locations import primary_location_id
from product_dashboard.models import InventoryLevel, Location, Product, ProductVariant

LEVELS = (ProductVariant.inventory_levels,)
TOTAL = "inventory_quantity"


def location_key(location_id: int) -> str:
    """The key of the column of a location's levels."""
    return f"stock_at_{location_id}"


def _level(variant: ProductVariant, location_id: int) -> InventoryLevel | None:
    return next((lv for lv in variant.inventory_levels if lv.location_id == location_id), None)


def _available(variant: ProductVariant, location_id: int) -> int | None:
    level = _level(variant, location_id)
    return level.available if level is not None else None


@dataclass(frozen=True)
class LevelChange:
    """A stock cell's edit as the level it sets: `before` and `after` its intent (None: no
    number known)."""

    location_id: int
    before: int | None
    after: int | None


def level_change(
    stock: LevelCell, variant: ProductVariant, old: CellValue, new: CellValue
) -> LevelChange:
    """The level a stock cell's edit from `old` to `new` (as the column reads and parses them)
    sets, from the variant's levels as loaded; `stock` names its location (`located`)."""
    assert stock.location_id is not None, "located before a save plans"
    before = _available(variant, stock.location_id)
    if not stock.total:
        return LevelChange(stock.location_id, before, None if new is None else int(new))
    elsewhere = sum(
        lv.available or 0 for lv in variant.inventory_levels if lv.location_id != stock.location_id
    )
    edit = QuantityEdit(variant.id, None if old is None else int(old), int(new or 0))
    return LevelChange(stock.location_id, before, moved_primary(before, elsewhere, edit))


def _location_reader(location_id: int) -> Callable[[Product, ProductVariant], CellValue]:
    def read(product: Product, variant: ProductVariant) -> CellValue:
        return _available(variant, location_id)

    return read


async def located(
    session: AsyncSession, columns: Mapping[str, GridColumn], edited: Collection[str]
) -> dict[str, GridColumn]:
    """`columns` with the Stock total's location found, when a save edits it and none was
    listed (module notes); Unprocessable when the primary location is known only as
    deactivated."""
    total = columns.get(TOTAL)
    if TOTAL not in edited or total is None or total.stock is None:
        return dict(columns)
    if total.stock.location_id is not None:
        return dict(columns)
    location_id = await primary_location_id(session)
    if not await session.scalar(select(Location.is_active).where(Location.id == location_id)):
        raise Unprocessable(
            "The store's primary location is deactivated here, and stock cannot be set at a "
            "deactivated location: the Stock column is not saved until a pull reads the "
            "store's locations again. Nothing was changed.",
            fields=[{"loc": ["body", "cells"], "msg": "no active primary location to stock"}],
        )
    return {**columns, TOTAL: replace(total, stock=LevelCell(location_id, total=True))}


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
        return []  # the registered "Stock" column stands: its location found on a save
    total = replace(COLUMNS[TOTAL], stock=LevelCell(primary, total=True))
    per_location = [
        GridColumn(
            key=location_key(location.id),
            label=f"Stock at {location.name}",
            level="variant",
            kind="integer",
            read=_location_reader(location.id),
            parse=integer_parser(-MAX_STOCK, MAX_STOCK, required=True),
            write=None,
            width=110,
            relations=LEVELS,
            stock=LevelCell(location.id),
        )
        for location in locations
    ]
    return [total, *per_location]
