"""Conflict queries and resolution. Never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit import service as audit
from product_dashboard.audit.service import Actor
from product_dashboard.conflict.apply import apply_to_local, load_product, record_base
from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.conflict.remote_apply import DELETED_PATH
from product_dashboard.conflict.shapes import local_product, sync_product_from_dict
from product_dashboard.conflict.threeway import apply_choices, compare
from product_dashboard.exceptions import Conflict, NotFound, Unprocessable
from product_dashboard.kit.time import utcnow
from product_dashboard.models import ConflictState, Product, ProductConflict

Strategy = Literal["keep_local", "keep_remote", "merge"]


async def get(session: AsyncSession, conflict_id: int) -> ProductConflict:
    record = await session.get(ProductConflict, conflict_id)
    if record is None:
        raise NotFound(f"Conflict {conflict_id} does not exist.")
    return record


async def list_conflicts(
    session: AsyncSession,
    *,
    state: str | None,
    product_id: int | None,
    source: str | None,
    field: str | None,
    offset: int,
    limit: int,
) -> tuple[list[tuple[ProductConflict, str]], int]:
    conditions = []
    if state:
        conditions.append(ProductConflict.state == state)
    if product_id is not None:
        conditions.append(ProductConflict.product_id == product_id)
    if source:
        conditions.append(ProductConflict.source == source)
    rows_statement = (
        select(ProductConflict, Product.title)
        .join(Product, Product.id == ProductConflict.product_id)
        .where(*conditions)
        .order_by(ProductConflict.id.desc())
    )
    if field:
        # JSON containment differs per database; the open set is small, so filter in Python.
        rows = [
            (c, t)
            for c, t in (await session.execute(rows_statement)).all()
            if any(f["path"] == field or f["path"].endswith("." + field) for f in c.fields)
        ]
        return rows[offset : offset + limit], len(rows)
    total = await session.scalar(
        select(func.count()).select_from(ProductConflict).where(*conditions)
    )
    page = (await session.execute(rows_statement.offset(offset).limit(limit))).all()
    return [(c, t) for c, t in page], int(total or 0)


def _choice_value(record: ProductConflict, entry: dict[str, Any], choice: Any) -> Any:
    if choice == "local":
        return entry["local"]
    if choice == "remote":
        return entry["remote"]
    if isinstance(choice, dict) and "value" in choice:
        return choice["value"]
    raise Unprocessable(
        f"Choice for {entry['path']!r} must be 'local', 'remote' or {{'value': …}}.",
        fields=[{"loc": ["body", "fields", entry["path"]], "msg": "invalid choice"}],
    )


def _values(
    record: ProductConflict, strategy: Strategy, choices: dict[str, Any] | None
) -> dict[str, Any]:
    entries = {entry["path"]: entry for entry in record.fields}
    if strategy == "keep_local":
        return {path: e["local"] for path, e in entries.items()}
    if strategy == "keep_remote":
        return {path: e["remote"] for path, e in entries.items()}
    choices = choices or {}
    unknown = sorted(set(choices) - set(entries))
    if unknown:
        raise Unprocessable(
            f"Not fields of this conflict: {', '.join(unknown)}.",
            fields=[{"loc": ["body", "fields", p], "msg": "unknown field"} for p in unknown],
        )
    missing = sorted(set(entries) - set(choices))
    if missing:
        raise Unprocessable(
            f"Choose a value for every field: missing {', '.join(missing)}.",
            fields=[{"loc": ["body", "fields", p], "msg": "no choice"} for p in missing],
        )
    return {path: _choice_value(record, entries[path], choices[path]) for path in entries}


async def resolve(
    session: AsyncSession,
    conflict_id: int,
    strategy: Strategy,
    choices: dict[str, Any] | None,
    actor: Actor,
    events: ConflictEvents,
) -> tuple[ProductConflict, Product | None, bool]:
    """Apply the decision locally; (record, product or None if deleted, push needed)."""
    record = await get(session, conflict_id)
    if record.state != ConflictState.open.value:
        raise Conflict(f"Conflict {conflict_id} is {record.state}, not open.")
    values = _values(record, strategy, choices)
    product = await load_product(session, product_id=record.product_id)
    if product is None:
        raise NotFound(f"Product {record.product_id} no longer exists.")
    remote = sync_product_from_dict(record.remote)
    needs_push = False
    if DELETED_PATH in values:
        needs_push = await _resolve_deletion(session, product, values[DELETED_PATH], actor)
        result: Product | None = None if values[DELETED_PATH] == "deleted" else product
    else:
        target = apply_choices(local_product(product), remote, values)
        try:
            await apply_to_local(session, product, target, actor, read=remote)
        except Unprocessable as exc:
            raise Unprocessable(
                f"The chosen values are not a valid product: {exc.detail}", fields=exc.fields
            ) from exc
        await session.flush()
        in_sync = not compare(remote, local_product(product), remote).diffs
        record_base(product, remote, in_sync=in_sync, remote_updated_at=record.remote_updated_at)
        needs_push = not in_sync
        product.open_conflicts = 0
        result = product
    record.state = ConflictState.resolved.value
    record.resolution = strategy
    record.resolution_values = values
    record.resolved_at = utcnow()
    record.resolved_by_id = actor.user_id
    await session.flush()
    return record, result, needs_push


async def _resolve_deletion(
    session: AsyncSession, product: Product, choice: Any, actor: Actor
) -> bool:
    if choice == "deleted":
        audit.record(
            session,
            actor,
            entity_type="product",
            entity_id=product.id,
            action="delete",
            before={"id": product.id, "title": product.title},
            after=None,
        )
        await session.delete(product)
        return False
    # Keep ours: it no longer exists in Shopify, so the next push creates it again.
    product.shopify_product_id = None
    product.shopify_updated_at = None
    product.synced_version = None
    product.synced_hash = None
    product.synced_snapshot = None
    for variant in product.variants:
        variant.shopify_variant_id = None
    product.open_conflicts = 0
    return True


async def stats(session: AsyncSession) -> dict[str, Any]:
    by_state = {
        state: int(count)
        for state, count in (
            await session.execute(
                select(ProductConflict.state, func.count()).group_by(ProductConflict.state)
            )
        ).all()
    }
    open_rows = list(
        await session.scalars(
            select(ProductConflict).where(ProductConflict.state == ConflictState.open.value)
        )
    )
    by_field: dict[str, int] = {}
    by_source: dict[str, int] = {}
    for row in open_rows:
        by_source[row.source] = by_source.get(row.source, 0) + 1
        for entry in row.fields:
            name = entry["path"].rsplit(".", 1)[-1] if "." in entry["path"] else entry["path"]
            name = "variant" if name.startswith("variants[") else name
            by_field[name] = by_field.get(name, 0) + 1
    resolutions = {
        str(resolution): int(count)
        for resolution, count in (
            await session.execute(
                select(ProductConflict.resolution, func.count())
                .where(ProductConflict.resolution.is_not(None))
                .group_by(ProductConflict.resolution)
            )
        ).all()
    }
    oldest: datetime | None = min((r.created_at for r in open_rows), default=None)
    return {
        "open": by_state.get(ConflictState.open.value, 0),
        "resolved": by_state.get(ConflictState.resolved.value, 0),
        "superseded": by_state.get(ConflictState.superseded.value, 0),
        "open_fields": sum(len(r.fields) for r in open_rows),
        "products_with_conflicts": len({r.product_id for r in open_rows}),
        "open_by_field": dict(sorted(by_field.items(), key=lambda kv: -kv[1])),
        "open_by_source": by_source,
        "resolutions": resolutions,
        "oldest_open_at": oldest.isoformat() if oldest else None,
    }
