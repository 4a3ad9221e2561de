"""Write what a push achieved back to the catalog, a batch of products per transaction.

`synced_version` is the version that was *pushed*: an edit made while the request was in flight
leaves the product pending rather than marking an unsent change as synced. `updated_at` is left
alone (a sync is not an edit). Each product's row and its variants' ids change in one transaction,
so a stop or a crash never leaves a product half-recorded.

Recording is set-based: on SQLite and PostgreSQL a chunk of products (and of variant ids) is one
UPDATE joined to the chunk's values (SQLite `json_each` over one JSON parameter, PostgreSQL
`unnest` over array parameters), so the per-product cost is building one tuple. The snapshot is
written as the canonical JSON the planner hashed (`PushItem.snapshot_json`), not encoded again.
Other dialects fall back to executemany.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Table, TextClause, bindparam, delete, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.conflict.snapshot import snapshot_hash_of
from product_dashboard.models import Product, ProductImage, ProductVariant
from product_dashboard.sync.push.items import PushItem, load_push_items

MAX_ERROR_LENGTH = 2000
CHUNK = 2000


@dataclass(frozen=True, slots=True)
class RefusedPublication:
    """productSet saved the product, then Shopify refused its online-store publication."""

    reason: str
    shopify_published: bool | None
    """What Shopify last reported (the stored base's), which it therefore still holds."""


@dataclass(slots=True)
class PushOutcome:
    """The result of one product's operation."""

    item: PushItem
    ok: bool
    shopify_product_id: str | None = None
    variant_ids: list[str] = field(default_factory=list)
    media_ids: list[str] = field(default_factory=list)
    error: str | None = None
    shopify_updated_at: datetime | None = None  # Shopify's updatedAt after our write
    published: bool | None = None
    """The online-store publication sent after productSet (None: none was sent)."""
    refused_publication: RefusedPublication | None = None
    """Set (with `ok` False) when productSet saved the product but its publication failed."""
    # Per variant, as `variant_ids`, where the document read them (the bulk line does): the
    # inventory item, and its InventoryLevel nodes as Shopify had them after our write.
    inventory_item_ids: list[str | None] = field(default_factory=list)
    inventory_levels: list[tuple[Mapping[str, Any], ...]] = field(default_factory=list)


_PRODUCT: Table = Product.__table__  # type: ignore[assignment]
_VARIANT: Table = ProductVariant.__table__  # type: ignore[assignment]


def _synced_values(item: PushItem, shopify_id: str | None, at: datetime) -> dict[str, object]:
    return {
        "b_id": item.product_id,
        "b_version": item.version,
        "b_hash": item.snapshot_hash,
        "b_snapshot": json.loads(item.snapshot_json),
        "b_at": at,
        "b_shopify_id": shopify_id,
    }


_MARK_REMOTE_TIME = (
    update(_PRODUCT)
    .where(
        _PRODUCT.c.id == bindparam("b_id"),
        or_(
            _PRODUCT.c.shopify_updated_at.is_(None),
            _PRODUCT.c.shopify_updated_at < bindparam("b_remote_at"),
        ),
    )
    .values(shopify_updated_at=bindparam("b_remote_at"), updated_at=_PRODUCT.c.updated_at)
)

# Never move synced_version backwards (a later push of the same product may have landed first).
_NOT_NEWER = or_(
    _PRODUCT.c.synced_version.is_(None), _PRODUCT.c.synced_version <= bindparam("b_version")
)
_MARK_SYNCED = (
    update(_PRODUCT)
    .where(_PRODUCT.c.id == bindparam("b_id"), _NOT_NEWER)
    .values(
        synced_version=bindparam("b_version"),
        synced_hash=bindparam("b_hash"),
        synced_snapshot=bindparam("b_snapshot"),
        synced_at=bindparam("b_at"),
        sync_error=None,
        shopify_product_id=bindparam("b_shopify_id"),
        updated_at=_PRODUCT.c.updated_at,
    )
)
_MARK_FAILED = (
    update(_PRODUCT)
    .where(_PRODUCT.c.id == bindparam("b_id"))
    .values(sync_error=bindparam("b_error"), updated_at=_PRODUCT.c.updated_at)
)
_SET_VARIANT_ID = (
    update(_VARIANT)
    .where(_VARIANT.c.id == bindparam("b_id"))
    .values(
        shopify_variant_id=bindparam("b_variant"),
        shopify_inventory_item_id=func.coalesce(
            bindparam("b_item"), _VARIANT.c.shopify_inventory_item_id
        ),
        updated_at=_VARIANT.c.updated_at,
    )
)


async def record(session: AsyncSession, outcomes: Sequence[PushOutcome], at: datetime) -> None:
    """Record a batch of outcomes (pushes, deletions, failures) in the caller's transaction.

    Shopify's `updatedAt` after our write is recorded too (never moved backwards): a webhook
    delivered late for an earlier write, ours or the merchant's, is then recognised as stale
    instead of being taken for a remote edit of what we just pushed.
    """
    synced = [o for o in outcomes if o.ok and not o.item.deleted]
    deleted = [o.item.product_id for o in outcomes if o.ok and o.item.deleted]
    failed = [o for o in outcomes if not o.ok]
    saved = [o for o in failed if o.refused_publication is not None and o.shopify_product_id]
    if synced:
        try:
            async with session.begin_nested():
                await _record_synced(session, synced, at)
        except IntegrityError:
            # Two local products resolved to one Shopify product (e.g. a handle taken over):
            # record them one by one so only the clashing one fails.
            for outcome in synced:
                try:
                    async with session.begin_nested():
                        await _record_synced(session, [outcome], at)
                except IntegrityError:
                    outcome.ok = False
                    outcome.error = (
                        f"Shopify product {outcome.shopify_product_id} is already linked to "
                        "another local product (same handle?)."
                    )
                    failed.append(outcome)
    if synced:
        await _catch_up(session, [o.item for o in synced if o.ok], at)
    if saved:
        saved = await _record_saved(session, saved, at)
    set_based = session.get_bind().dialect.name in _SET_BASED  # stamps with the marks
    recorded = [o for o in synced if o.ok] + saved
    stamped = [o for o in recorded if o.shopify_updated_at is not None]
    if stamped and not set_based:
        await session.execute(
            _MARK_REMOTE_TIME,
            [{"b_id": o.item.product_id, "b_remote_at": o.shopify_updated_at} for o in stamped],
        )
    if deleted:
        # Tombstones whose deletion reached Shopify are done: remove them (variants cascade).
        await session.execute(delete(_PRODUCT).where(_PRODUCT.c.id.in_(deleted)))
    if failed:
        await session.execute(
            _MARK_FAILED,
            [
                {
                    "b_id": o.item.product_id,
                    "b_error": (o.error or "unknown error")[:MAX_ERROR_LENGTH],
                }
                for o in failed
            ],
        )


_IMAGE: Table = ProductImage.__table__  # type: ignore[assignment]
_SET_MEDIA_ID = (
    update(_IMAGE)
    .where(
        _IMAGE.c.product_id == bindparam("b_product"),
        _IMAGE.c.position == bindparam("b_position"),
        _IMAGE.c.src == bindparam("b_src"),
        _IMAGE.c.shopify_media_id.is_(None),
    )
    .values(shopify_media_id=bindparam("b_media"), updated_at=_IMAGE.c.updated_at)
)


async def _record_media_ids(session: AsyncSession, outcomes: Sequence[PushOutcome]) -> None:
    """Media created from a URL by this push, by id from now on (a re-push keeps, not re-adds)."""
    rows = []
    for o in outcomes:
        item = o.item
        if not item.media_complete or item.snapshot is None or None not in item.shopify_media_ids:
            continue
        if len(o.media_ids) != len(item.snapshot.images):
            continue  # not every media read back: matched next time rather than guessed
        for position, (image, known, media_id) in enumerate(
            zip(item.snapshot.images, item.shopify_media_ids, o.media_ids, strict=True), start=1
        ):
            if known is None:
                rows.append(
                    {
                        "b_product": item.product_id,
                        "b_position": position,
                        "b_src": image.src,
                        "b_media": media_id,
                    }
                )
    if rows:
        await session.execute(_SET_MEDIA_ID, rows)


async def _record_synced(
    session: AsyncSession, outcomes: Sequence[PushOutcome], at: datetime
) -> None:
    await _record_media_ids(session, outcomes)
    dialect = session.get_bind().dialect.name
    # A variant new to Shopify (its id changed) with its inventory item, where the line read it.
    variant_rows: list[tuple[int, str, str | None]] = []
    for o in outcomes:
        items = o.inventory_item_ids
        for n, (row_id, variant_id, known) in enumerate(
            zip(o.item.variant_row_ids, o.variant_ids, o.item.shopify_variant_ids, strict=False)
        ):
            if variant_id != known:
                variant_rows.append((row_id, variant_id, items[n] if n < len(items) else None))
    if dialect in _SET_BASED:
        marks, variants = _SET_BASED[dialect]
        stamp = _remote_time_values(session)
        rows = [
            (
                o.item.product_id,
                o.item.version,
                o.item.snapshot_hash,
                o.item.snapshot_json,
                o.shopify_product_id,
                stamp(o.shopify_updated_at),
            )
            for o in outcomes
        ]
        for start in range(0, len(rows), CHUNK):
            await session.execute(
                marks, {"at": at, **_values(dialect, rows[start : start + CHUNK])}
            )
        for start in range(0, len(variant_rows), CHUNK):
            await session.execute(variants, _values(dialect, variant_rows[start : start + CHUNK]))
        return
    await session.execute(
        _MARK_SYNCED,
        [_synced_values(o.item, o.shopify_product_id, at) for o in outcomes],
    )
    if variant_rows:
        await session.execute(
            _SET_VARIANT_ID,
            [
                {"b_id": row_id, "b_variant": vid, "b_item": item}
                for row_id, vid, item in variant_rows
            ],
        )


async def _record_saved(
    session: AsyncSession, outcomes: Sequence[PushOutcome], at: datetime
) -> list[PushOutcome]:
    """Products productSet saved whose publication Shopify then refused: their Shopify ids
    (product, variants, media) are recorded, so the next push updates them rather than creating
    them again, with a base saying what Shopify holds (everything sent, the publication it
    kept); they stay pending at their last synced version, so the next push sends the
    publication again. Returns those recorded (a Shopify id another product here holds is not).
    """
    ids = [o.item.product_id for o in outcomes]
    before: dict[int, int | None] = {
        product_id: version
        for product_id, version in await session.execute(
            select(_PRODUCT.c.id, _PRODUCT.c.synced_version).where(_PRODUCT.c.id.in_(ids))
        )
    }
    held = [
        replace(o, item=_holding(o.item, o.refused_publication.shopify_published))
        for o in outcomes
        if o.refused_publication is not None
    ]
    recorded = list(held)
    try:
        async with session.begin_nested():
            await _record_synced(session, held, at)
    except IntegrityError:
        recorded.clear()  # one by one: one whose id another product here holds stays failed
        for outcome in held:
            try:
                async with session.begin_nested():
                    await _record_synced(session, [outcome], at)
                recorded.append(outcome)
            except IntegrityError:
                continue
    if not recorded:
        return []
    await session.execute(
        update(_PRODUCT)
        .where(
            _PRODUCT.c.id == bindparam("b_id"),
            _PRODUCT.c.synced_version == bindparam("b_version"),
        )
        .values(synced_version=bindparam("b_before"), updated_at=_PRODUCT.c.updated_at),
        [
            {
                "b_id": o.item.product_id,
                "b_version": o.item.version,
                "b_before": before.get(o.item.product_id),
            }
            for o in recorded
        ],
    )
    return recorded


def _holding(item: PushItem, published: bool | None) -> PushItem:
    """`item` with the online-store publication Shopify holds instead of the one sent."""
    snapshot = item.snapshot
    if snapshot is None or snapshot.detail is None:
        return item
    kept = replace(snapshot, detail=replace(snapshot.detail, published_online_store=published))
    canonical = kept.canonical_json()
    return replace(
        item, snapshot=kept, snapshot_json=canonical, snapshot_hash=snapshot_hash_of(canonical)
    )


async def _catch_up(session: AsyncSession, pushed: Sequence[PushItem], at: datetime) -> None:
    """Products changed while their push was in flight, but not in anything a push sends (say,
    Shopify's inventory taken from our own push's echo): synced at their new version, as the
    next push would find them, instead of showing as pending with nothing to push."""
    if not pushed:
        return
    moved = list(
        await session.scalars(
            select(_PRODUCT.c.id).where(
                _PRODUCT.c.id.in_([item.product_id for item in pushed]),
                _PRODUCT.c.version > _PRODUCT.c.synced_version,
            )
        )
    )
    if not moved:
        return
    hashes = {item.product_id: item.snapshot_hash for item in pushed}
    now = await load_push_items(session, moved)
    await mark_unchanged(
        session, [i for i in now if not i.deleted and i.snapshot_hash == hashes[i.product_id]], at
    )


async def mark_unchanged(session: AsyncSession, items: Sequence[PushItem], at: datetime) -> None:
    """Products whose content hash equals the last synced one: synced at their current version."""
    if not items:
        return
    dialect = session.get_bind().dialect.name
    if dialect in _UNCHANGED:
        rows = [(i.product_id, i.version) for i in items]
        for start in range(0, len(rows), CHUNK):
            await session.execute(
                _UNCHANGED[dialect], _values(dialect, rows[start : start + CHUNK])
            )
        return
    await session.execute(
        update(_PRODUCT)
        .where(_PRODUCT.c.id == bindparam("b_id"), _NOT_NEWER)
        .values(
            synced_version=bindparam("b_version"),
            sync_error=None,
            updated_at=_PRODUCT.c.updated_at,
        ),
        [{"b_id": i.product_id, "b_version": i.version} for i in items],
    )


# -- set-based statements ---------------------------------------------------------------------

_P = _PRODUCT.name
_V = _VARIANT.name


def _values(dialect: str, rows: Sequence[tuple[Any, ...]]) -> dict[str, Any]:
    """The statement's parameters for these rows: one JSON array, or one array per column."""
    if dialect == "sqlite":
        return {"rows": orjson.dumps(rows).decode()}
    return {f"c{n}": list(column) for n, column in enumerate(zip(*rows, strict=True))}


_AT = bindparam("at", type_=_PRODUCT.c.synced_at.type)


def _remote_time_values(session: AsyncSession) -> Callable[[datetime | None], Any]:
    """Shopify's updatedAt as the dialect stores it (SQLite: SQLAlchemy's text format)."""
    dialect = session.get_bind().dialect
    if dialect.name != "sqlite":
        return lambda value: value
    column_type = _PRODUCT.c.shopify_updated_at.type
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    assert process is not None
    return lambda value: None if value is None else process(value)


_SQLITE_MARK = text(
    f"UPDATE {_P} SET synced_version = j.value ->> 1, synced_hash = j.value ->> 2, "
    "synced_snapshot = j.value ->> 3, synced_at = :at, sync_error = NULL, "
    f"shopify_product_id = j.value ->> 4, shopify_updated_at = CASE "
    f"WHEN {_P}.shopify_updated_at IS NULL OR {_P}.shopify_updated_at < j.value ->> 5 "
    f"THEN coalesce(j.value ->> 5, {_P}.shopify_updated_at) ELSE {_P}.shopify_updated_at END "
    "FROM json_each(:rows) AS j "
    f"WHERE {_P}.id = j.value ->> 0 "
    f"AND ({_P}.synced_version IS NULL OR {_P}.synced_version <= j.value ->> 1)"
).bindparams(_AT)
_SQLITE_VARIANTS = text(
    f"UPDATE {_V} SET shopify_variant_id = j.value ->> 1, shopify_inventory_item_id = "
    f"coalesce(j.value ->> 2, {_V}.shopify_inventory_item_id) FROM json_each(:rows) AS j "
    f"WHERE {_V}.id = j.value ->> 0"
)
_SQLITE_UNCHANGED = text(
    f"UPDATE {_P} SET synced_version = j.value ->> 1, sync_error = NULL "
    f"FROM json_each(:rows) AS j WHERE {_P}.id = j.value ->> 0 "
    f"AND ({_P}.synced_version IS NULL OR {_P}.synced_version <= j.value ->> 1)"
)
_PG_MARK = text(
    f"UPDATE {_P} AS p SET synced_version = d.version, synced_hash = d.hash, "
    "synced_snapshot = CAST(d.snapshot AS json), synced_at = :at, sync_error = NULL, "
    "shopify_product_id = d.shopify_id, shopify_updated_at = CASE "
    "WHEN p.shopify_updated_at IS NULL OR p.shopify_updated_at < d.remote_at "
    "THEN coalesce(d.remote_at, p.shopify_updated_at) ELSE p.shopify_updated_at END "
    "FROM unnest(CAST(:c0 AS bigint[]), CAST(:c1 AS bigint[]), CAST(:c2 AS text[]), "
    "CAST(:c3 AS text[]), CAST(:c4 AS text[]), CAST(:c5 AS timestamptz[])) "
    "AS d(id, version, hash, snapshot, shopify_id, remote_at) "
    "WHERE p.id = d.id AND (p.synced_version IS NULL OR p.synced_version <= d.version)"
).bindparams(_AT)
_PG_VARIANTS = text(
    f"UPDATE {_V} AS v SET shopify_variant_id = d.variant_id, "
    "shopify_inventory_item_id = coalesce(d.item_id, v.shopify_inventory_item_id) "
    "FROM unnest(CAST(:c0 AS bigint[]), CAST(:c1 AS text[]), CAST(:c2 AS text[])) "
    "AS d(id, variant_id, item_id) WHERE v.id = d.id"
)
_PG_UNCHANGED = text(
    f"UPDATE {_P} AS p SET synced_version = d.version, sync_error = NULL "
    "FROM unnest(CAST(:c0 AS bigint[]), CAST(:c1 AS bigint[])) AS d(id, version) "
    "WHERE p.id = d.id AND (p.synced_version IS NULL OR p.synced_version <= d.version)"
)
# SQLite's `->>` (3.38) and UPDATE … FROM (3.33); an older library takes the executemany path.
_SQLITE_SET_BASED = sqlite3.sqlite_version_info >= (3, 38)
_SET_BASED: dict[str, tuple[TextClause, TextClause]] = {
    "postgresql": (_PG_MARK, _PG_VARIANTS),
    **({"sqlite": (_SQLITE_MARK, _SQLITE_VARIANTS)} if _SQLITE_SET_BASED else {}),
}
_UNCHANGED: dict[str, TextClause] = {
    "postgresql": _PG_UNCHANGED,
    **({"sqlite": _SQLITE_UNCHANGED} if _SQLITE_SET_BASED else {}),
}
