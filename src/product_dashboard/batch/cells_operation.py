"""The grid batch: cells edited in the bulk editor, each a new value of one column of one
product or variant, applied all-or-nothing with the values before kept per cell for undo."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from product_dashboard.audit import service as audit
from product_dashboard.audit.service import Actor
from product_dashboard.batch.operation import Operation
from product_dashboard.exceptions import Conflict, Unprocessable
from product_dashboard.grid.columns import CellError, CellValue, GridColumn, available
from product_dashboard.grid.schemas import CellEdit
from product_dashboard.grid.stock_columns import level_change, located, location_key
from product_dashboard.inventory.levels import LevelKey, set_intents, stock_shape
from product_dashboard.models import Product, ProductBatchCell, ProductBatchItem, ProductVariant
from product_dashboard.product import service as product_service

PRODUCT_LEVEL = 0  # variant_id of a product-level cell
ERRORS_LISTED = 200
STALE_LISTED = 100
# Levels set by one `set_intents` (its and `refresh_totals`' IN lists: one bind parameter a
# variant, and a batch's 50,000 cells would pass PostgreSQL's 32,767 and SQLite's 32,766).
LEVELS_AT_ONCE = 1_000


@dataclass(frozen=True)
class CellChange:
    product_id: int
    variant_id: int
    field: str
    old: CellValue
    new: CellValue


def _load(where: ColumnElement[bool], columns: list[GridColumn]) -> Any:
    """The products with what the columns read and write (variants, tags, their relations)."""
    variants = selectinload(Product.variants)
    return (
        select(Product)
        .where(where)
        .options(
            variants,
            selectinload(Product.tags),
            *(
                variants.selectinload(relation) if c.level == "variant" else selectinload(relation)
                for c in columns
                for relation in c.relations
            ),
        )
        .order_by(Product.id)
    )


def _variant(product: Product, variant_id: int) -> ProductVariant | None:
    return next((v for v in product.variants if v.id == variant_id), None)


def _stand_in(product: Product) -> ProductVariant:
    """The variant a product-level column is read and written with (it ignores it)."""
    return product.variants[0] if product.variants else ProductVariant()


def _write(
    product: Product,
    variant_id: int,
    column: GridColumn,
    value: CellValue,
    levels: dict[LevelKey, int | None],
) -> None:
    """The cell's value written on the product, or (a stock column) added to `levels`, the
    intents the batch sets at once."""
    variant = _variant(product, variant_id) if variant_id != PRODUCT_LEVEL else None
    if variant is None and column.level == "variant":
        raise Conflict(f"Variant {variant_id} of product {product.id} no longer exists.")
    if column.stock is not None and variant is not None:
        # Staged cells name a location's column; a total cell (staged before they did) moves
        # the primary's level from the total as it is now.
        level = level_change(column.stock, variant, column.read(product, variant), value)
        levels[(variant.id, level.location_id)] = level.after
        return
    assert column.write is not None  # a column without `stock` has `write`
    column.write(product, variant or _stand_in(product), value)


def _audit_shape(
    changes: list[CellChange], *, new: bool, levels: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """{field: value, "variants": [{"id": …, field: value}]}, as other batches' audit rows;
    with `levels` (a stock column's key: its location), the levels' cells as the stock API's
    entries show them, under `stock` (`inventory.levels.stock_shape`)."""
    shape: dict[str, Any] = {}
    variants: dict[int, dict[str, Any]] = {}
    stock: dict[LevelKey, int | None] = {}
    for change in changes:
        value = change.new if new else change.old
        location = (levels or {}).get(change.field)
        if change.variant_id == PRODUCT_LEVEL:
            shape[change.field] = value
        elif location is not None:
            stock[(change.variant_id, location)] = None if value is None else int(value)
        else:
            variants.setdefault(change.variant_id, {"id": change.variant_id})[change.field] = value
    if variants:
        shape["variants"] = list(variants.values())
    if stock:
        shape["stock"] = stock_shape(stock)
    return shape


Edit = tuple[int, int, str]
"""A cell edit by product, variant (`PRODUCT_LEVEL`: none) and column."""


@dataclass
class _Changes:
    cells: list[CellChange] = field(default_factory=list)
    stock: dict[tuple[int, int], list[tuple[Edit, bool]]] = field(default_factory=dict)
    """Each variant's stock edits, and whether each is its total."""

    def add(self, edit: Edit, change: CellChange, *, total: bool | None = None) -> None:
        """`total`: a stock edit (True: the variant's total)."""
        self.cells.append(change)
        if total is not None:
            self.stock.setdefault(edit[:2], []).append((edit, total))

    def clashes(self) -> list[Edit]:
        """Stock edits of a variant whose total is edited too: the total moves the primary
        location's level from the numbers before the save, which those change (or set)."""
        return [
            edit
            for edits in self.stock.values()
            if len(edits) > 1 and any(total for _, total in edits)
            for edit, _ in edits
        ]


class CellsOperation(Operation):
    kind: ClassVar[str] = "cells"
    action: ClassVar[str] = "update"

    def __init__(self, params: dict[str, Any]) -> None:
        super().__init__(params)
        self.cells = [CellEdit.model_validate(cell) for cell in params["cells"]]

    # -- planning -------------------------------------------------------------------------------

    async def _plan(
        self, session: AsyncSession, where: ColumnElement[bool]
    ) -> tuple[dict[int, Product], list[CellChange]]:
        """The products and the cells that differ from what they hold; 422 naming each bad
        cell, 409 when a product moved since the grid read it."""
        keys = {c.field for c in self.cells}
        columns = await located(session, await available(session), keys)
        edited = [
            columns[key] for key in dict.fromkeys(c.field for c in self.cells) if key in columns
        ]
        products = {p.id: p for p in (await session.scalars(_load(where, edited))).unique()}
        errors: list[dict[str, Any]] = []
        stale: set[int] = set()
        wanted: dict[Edit, CellValue] = {}
        index_of: dict[Edit, int] = {}

        def error(index: int, cell: CellEdit, message: str) -> None:
            errors.append(
                {
                    "loc": ["body", "cells", index, "value"],
                    "msg": message,
                    "product_id": cell.product_id,
                    "variant_id": cell.variant_id,
                    "field": cell.field,
                }
            )

        for index, cell in enumerate(self.cells):
            column = columns.get(cell.field)
            if column is None:
                error(index, cell, f"unknown column {cell.field!r}")
                continue
            product = products.get(cell.product_id)
            if product is None:
                error(index, cell, f"product {cell.product_id} does not exist (deleted?)")
                continue
            if cell.version is not None and cell.version != product.version:
                stale.add(product.id)
                continue
            variant_id = PRODUCT_LEVEL
            if column.level == "variant":
                if cell.variant_id is None or _variant(product, cell.variant_id) is None:
                    error(index, cell, f"not a variant of product {product.id}")
                    continue
                variant_id = cell.variant_id
            try:
                value = column.parse(cell.value)
            except CellError as exc:
                error(index, cell, str(exc))
                continue
            key = (product.id, variant_id, cell.field)
            if key in wanted and wanted[key] != value:
                error(index, cell, "another edit of this product gives this column another value")
                continue
            wanted[key] = value
            index_of[key] = index
        changes = self._changes(products, columns, wanted)
        for key in changes.clashes():
            index = index_of[key]
            message = "the variant's Stock total and its stock at a location in one save: save one"
            error(index, self.cells[index], message + ", then the other")
        if errors:
            shown = errors[:ERRORS_LISTED]
            raise Unprocessable(
                f"{len(errors)} cell(s) cannot be saved: "
                + "; ".join(
                    f"{e['field']} of product {e['product_id']}: {e['msg']}" for e in shown[:5]
                )
                + ("…" if len(errors) > 5 else "")
                + ". Nothing was changed.",
                fields=shown,
            )
        if stale:
            ids = sorted(stale)
            raise Conflict(
                f"{len(ids)} product(s) changed since the grid was loaded: "
                f"{', '.join(map(str, ids[:20]))}{'…' if len(ids) > 20 else ''}. "
                "Reload them and apply your edits again; nothing was changed.",
                extra={"product_ids": ids[:STALE_LISTED], "changed_count": len(ids)},
            )
        return products, changes.cells

    @staticmethod
    def _changes(
        products: dict[int, Product],
        columns: dict[str, GridColumn],
        wanted: dict[Edit, CellValue],
    ) -> _Changes:
        """The cells that differ from what the products hold; a stock cell as the level it sets
        (a total's as its primary location's), its value before as that level's (unknown:
        None), so an undo puts back exactly that."""
        changes = _Changes()
        for key, value in wanted.items():
            product_id, variant_id, key_field = key
            product = products[product_id]
            column = columns[key_field]
            variant = _variant(product, variant_id) or _stand_in(product)
            old = column.read(product, variant)
            if old == value:
                continue
            if column.stock is None:
                changes.add(key, CellChange(product_id, variant_id, key_field, old, value))
                continue
            level = level_change(column.stock, variant, old, value)
            at = location_key(level.location_id)
            change = CellChange(product_id, variant_id, at, level.before, level.after)
            changes.add(key, change, total=column.stock.total)
        return changes

    async def validate(self, session: AsyncSession, where: ColumnElement[bool]) -> None:
        await self._plan(session, where)

    async def count_changed(self, session: AsyncSession, where: ColumnElement[bool]) -> int:
        _, changes = await self._plan(session, where)
        return len({c.product_id for c in changes})

    async def sample(
        self, session: AsyncSession, where: ColumnElement[bool], limit: int
    ) -> list[dict[str, Any]]:
        products, changes = await self._plan(session, where)
        by_product: dict[int, list[CellChange]] = defaultdict(list)
        for change in changes:
            by_product[change.product_id].append(change)
        return [
            {
                "product_id": product_id,
                "title": products[product_id].title,
                "before": _audit_shape(cells, new=False),
                "after": _audit_shape(cells, new=True),
            }
            for product_id, cells in sorted(by_product.items())[:limit]
        ]

    # -- writing --------------------------------------------------------------------------------

    async def stage(self, session: AsyncSession, batch_id: str, where: ColumnElement[bool]) -> int:
        products, changes = await self._plan(session, where)
        if not changes:
            return 0
        await session.execute(
            insert(ProductBatchCell),
            [
                {
                    "batch_id": batch_id,
                    "product_id": c.product_id,
                    "variant_id": c.variant_id,
                    "field": c.field,
                    "old_value": c.old,
                    "new_value": c.new,
                }
                for c in changes
            ],
        )
        changed = sorted({c.product_id for c in changes})
        await session.execute(
            insert(ProductBatchItem),
            [
                {
                    "batch_id": batch_id,
                    "product_id": product_id,
                    "version_after": products[product_id].version + 1,
                }
                for product_id in changed
            ],
        )
        return len(changed)

    async def _staged(self, session: AsyncSession, batch_id: str) -> dict[int, list[CellChange]]:
        rows = await session.scalars(
            select(ProductBatchCell).where(ProductBatchCell.batch_id == batch_id)
        )
        by_product: dict[int, list[CellChange]] = defaultdict(list)
        for row in rows:
            by_product[row.product_id].append(
                CellChange(row.product_id, row.variant_id, row.field, row.old_value, row.new_value)
            )
        return by_product

    async def _write_products(
        self,
        session: AsyncSession,
        batch_id: str,
        now: datetime,
        *,
        undo: bool,
    ) -> int:
        """Write the new (or, undoing, the old) values on the batch's products that are at the
        version the batch left (undo) or about to be written (apply); how many."""
        item = ProductBatchItem
        condition = item.batch_id == batch_id
        targets = (
            select(item.product_id, item.version_after)
            .join(Product, Product.id == item.product_id)
            .where(condition)
        )
        if undo:
            targets = targets.where(Product.version == item.version_after)
        versions = {row[0]: int(row[1] or 0) for row in await session.execute(targets)}
        if not versions:
            return 0
        staged = await self._staged(session, batch_id)
        fields = {change.field for changes in staged.values() for change in changes}
        # A total staged as itself (a batch saved before totals were staged as levels).
        columns = await located(session, await available(session), fields)
        missing = sorted(fields - set(columns))
        if missing:  # a column whose source no longer offers it (a location removed)
            raise Conflict(f"Column(s) {', '.join(missing)} no longer exist; nothing was changed.")
        edited = [columns[key] for key in sorted(fields)]
        read = await session.scalars(_load(Product.id.in_(list(versions)), edited))
        loaded = list(read.unique())
        levels: dict[LevelKey, int | None] = {}
        for product in loaded:
            for change in staged[product.id]:
                value = change.old if undo else change.new
                _write(product, change.variant_id, columns[change.field], value, levels)
        keys = list(levels)
        for start in range(0, len(keys), LEVELS_AT_ONCE):
            # The variants' and products' totals recomputed with them.
            await set_intents(session, {k: levels[k] for k in keys[start : start + LEVELS_AT_ONCE]})
        for product in loaded:
            product_service.refresh_derived(product)
            product.version = product.version + 1 if undo else versions[product.id]
            product.updated_at = now
        await session.flush()
        return len(versions)

    async def apply(self, session: AsyncSession, batch_id: str, now: datetime) -> None:
        await self._write_products(session, batch_id, now, undo=False)

    async def revert(self, session: AsyncSession, batch_id: str, now: datetime) -> int:
        return await self._write_products(session, batch_id, now, undo=True)

    async def write_audit(
        self,
        session: AsyncSession,
        batch_id: str,
        actor: Actor,
        now: datetime,
        *,
        undo: bool = False,
        detailed: bool = True,
    ) -> None:
        levels = {
            key: column.stock.location_id
            for key, column in (await available(session)).items()
            if column.stock is not None
            and column.stock.location_id is not None
            and not column.stock.total
        }
        for product_id, changes in (await self._staged(session, batch_id)).items():
            old = _audit_shape(changes, new=False, levels=levels)
            new = _audit_shape(changes, new=True, levels=levels)
            audit.record(
                session,
                actor,
                entity_type="product",
                entity_id=product_id,
                action="batch_undo" if undo else self.action,
                before=new if undo else old,
                after=old if undo else new,
                batch_id=batch_id,
            )
