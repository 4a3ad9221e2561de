"""Our CSV's (and XLSX's) `available at <location>` columns read back: each cell sets the
row's variant's available quantity at that location, as the product page's stock editor does
(`product.stock.write_levels`), so the next push sends it with compare-and-set.

- A column names a location by its name as the export writes it. A name the dashboard does not
  know, or knows only as a deactivated location (Shopify stocks nothing there: a level there
  can be neither read nor set, and the push sends none), refuses the file before anything is
  written (`refused_columns`, 422 naming the columns).
- An empty cell says nothing (the level stays; unknown is never 0). A cell that is not a whole
  number is a row error (`importer.parse`).
- A location that does not stock the variant yet: the cell is its first number there, as on the
  product page; the push reads Shopify's level first and, finding none, sets it with no
  compare-from (`inventory.push`), which stocks the item there.
- The total and the cells (`plan`): when a row changes a cell (it differs from the stored
  level), the cells are the edit and the variant's `inventory_quantity` is derived (the sum of
  its levels); the row's `inventory_quantity` must then be the stored total (not edited) or
  the new sum, anything else is a row error: the file says two things. When no cell changes,
  `inventory_quantity` is read as always (its change moves the primary location's level).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.exceptions import Unprocessable
from product_dashboard.export.formats import LOCATION_COLUMN
from product_dashboard.importer.parse import file_location_names
from product_dashboard.inventory.levels import LevelKey
from product_dashboard.inventory.locations import primary_location_id
from product_dashboard.models import InventoryLevel, Location, Product, ProductVariant
from product_dashboard.product.stored_variants import StoredVariants


@dataclass(frozen=True)
class ImportLocations:
    """The locations an import's columns may name: active ones by name, and why others not."""

    ids: dict[str, int]
    refused: dict[str, str]
    """A name the file may give that names no location levels can be set at, and why."""
    primary: int | None
    """The primary location's id (None: not read, a check of the file's columns)."""

    def why_not(self, name: str) -> str | None:
        if name in self.ids:
            return None
        return self.refused.get(name, "the dashboard knows no location of this name")


async def import_locations(session: AsyncSession, *, primary: bool = True) -> ImportLocations:
    rows = (await session.execute(select(Location.id, Location.name, Location.is_active))).all()
    active: dict[str, list[int]] = {}
    inactive: set[str] = set()
    for location_id, name, is_active in rows:
        if is_active:
            active.setdefault(name, []).append(location_id)
        else:
            inactive.add(name)
    refused = {name: "the location is deactivated: it stocks nothing" for name in inactive}
    for name, found in active.items():
        if len(found) > 1:
            refused[name] = f"{len(found)} active locations have this name"
    ids = {name: found[0] for name, found in active.items() if len(found) == 1}
    return ImportLocations(ids, refused, await primary_location_id(session) if primary else None)


async def refused_columns(session: AsyncSession, names: Sequence[str]) -> list[dict[str, Any]]:
    """The file's `available at <name>` columns that name no location stock can be set at:
    one field error each (`loc` the column), for a 422 before the import starts."""
    if not names:
        return []
    locations = await import_locations(session, primary=False)
    errors = []
    for name in names:
        why = locations.why_not(name)
        if why is not None:
            column = LOCATION_COLUMN.format(name=name)
            errors.append({"loc": ["file", column], "msg": f"'{column}': {why}"})
    return errors


async def check_columns(session: AsyncSession, path: Path) -> None:
    """Unprocessable when the file has a column of a location stock cannot be set at."""
    errors = await refused_columns(session, await asyncio.to_thread(file_location_names, path))
    if errors:
        raise Unprocessable(
            "The file has stock columns of locations the dashboard cannot set stock at: "
            + "; ".join(e["msg"] for e in errors)
            + ". Nothing was imported: remove or rename those columns.",
            fields=errors,
        )


@dataclass
class LevelPlan:
    """What a product's rows set per location: by the variant's index in the payload, location
    id → quantity; written once the variants have ids (`wanted`)."""

    by_index: dict[int, dict[int, int]]

    def wanted(self, product: Product, variants: Sequence[dict[str, Any]]) -> dict[LevelKey, int]:
        """The levels to set, by (variant id, location id), the variants found in `product` as
        written (by id, else by option values)."""
        stored = StoredVariants.of(product)
        wanted: dict[LevelKey, int] = {}
        for index, levels in self.by_index.items():
            variant = variants[index]
            found = stored.matching(variant.get("id"), variant.get("option_values") or ())
            if found is None:
                continue  # not written (an error says why)
            for location_id, quantity in levels.items():
                wanted[(found.id, location_id)] = quantity
        return wanted


async def plan(
    session: AsyncSession,
    cells: Sequence[dict[str, int]],
    given: Sequence[dict[str, Any]],
    variants: list[dict[str, Any]],
    product: Product | None,
    locations: ImportLocations | None,
    held: Mapping[int, dict[int, int | None]] | None = None,
) -> LevelPlan:
    """The levels the rows' cells set (module notes), `variants` (the payload's, as it will be
    written) changed so their total moves no level itself; Unprocessable for a cell of a
    location not to be stocked, or a total disagreeing with the cells. `cells`: each variant's
    cells by location name (`ParsedProduct.variant_levels`); `given`: the variants as the file
    gave them (whether it gave `inventory_quantity`); `product`: the stored one (None: new);
    `locations` None: the file has no such cell; `held`: the stored product's levels as read
    already with its chunk's (`stored_levels`), else read here."""
    if locations is None or not any(cells):
        return LevelPlan({})
    errors: list[dict[str, Any]] = []
    wanted: dict[int, dict[int, int]] = {}
    for index, by_name in enumerate(cells):
        levels: dict[int, int] = {}
        for name, cell in by_name.items():
            why = locations.why_not(name)
            if why is None:
                levels[locations.ids[name]] = cell
            else:
                column = LOCATION_COLUMN.format(name=name)
                errors.append({"loc": ["variants", index, column], "msg": why})
        if levels:
            wanted[index] = levels
    if errors:
        raise Unprocessable("stock columns of unknown locations", fields=errors)
    if not wanted:
        return LevelPlan({})
    matched: dict[int, ProductVariant | None] = {}
    if product is not None:
        stored = StoredVariants.of(product)
        for index in wanted:
            variant = variants[index]
            matched[index] = stored.matching(variant.get("id"), variant.get("option_values") or ())
    ids = [variant.id for variant in matched.values() if variant is not None]
    current = held if held is not None else await stored_levels(session, ids)
    changed: dict[int, dict[int, int]] = {}
    for index, levels in wanted.items():
        variant = variants[index]
        quantity: int | None = (
            given[index].get("inventory_quantity") if index < len(given) else None
        )
        found = matched.get(index)
        if found is None:
            total = sum(levels.values())
            if quantity is not None and quantity != total:
                errors.append(_disagree(index, quantity, total))
            # Created with its primary location's number; the other cells set after.
            variants[index] = {
                **variant,
                "inventory_quantity": levels.get(locations.primary or 0, 0),
            }
            changed[index] = levels
            continue
        before = current.get(found.id, {})
        if all(before.get(loc) == n for loc, n in levels.items()):
            continue  # no cell edited: the total is read as always
        after: dict[int, int | None] = {**before, **levels}
        total = sum(n for n in after.values() if n is not None)
        if quantity is not None and quantity not in (found.inventory_quantity, total):
            errors.append(_disagree(index, quantity, total))
        # Derived from the levels once they are set: the total moves none itself.
        variants[index] = {**variant, "inventory_quantity": found.inventory_quantity}
        changed[index] = levels
    if errors:
        raise Unprocessable("the stock columns and inventory_quantity disagree", fields=errors)
    return LevelPlan(changed)


async def stored_levels(
    session: AsyncSession, variant_ids: Iterable[int]
) -> dict[int, dict[int, int | None]]:
    """These variants' levels: variant id → location id → available (None: not known)."""
    ids = sorted(set(variant_ids))
    found: dict[int, dict[int, int | None]] = {variant_id: {} for variant_id in ids}
    if ids:
        rows = await session.execute(
            select(
                InventoryLevel.variant_id, InventoryLevel.location_id, InventoryLevel.available
            ).where(InventoryLevel.variant_id.in_(ids))
        )
        for variant_id, location_id, available in rows:
            found[variant_id][location_id] = available
    return found


def _disagree(index: int, quantity: int, total: int) -> dict[str, Any]:
    return {
        "loc": ["variants", index, "inventory_quantity"],
        "msg": (
            f"inventory_quantity {quantity} disagrees with the 'available at …' cells, whose "
            f"locations add up to {total}: change one of them, or leave inventory_quantity as "
            "it was (it is then derived from the cells)"
        ),
    }
