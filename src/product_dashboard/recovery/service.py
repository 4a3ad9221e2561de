"""Bring back a product deleted here because Shopify deleted it (a `products/delete` webhook, a
pull's deletions), from the whole shape its audit entry kept (`conflict.whole_shape`).

It comes back unlinked (Shopify no longer has it: no Shopify ids, its media by URL, an image
uploaded here by its stored file), with every field, variant, option, metafield, kept CSV column,
weight and stock intent per location; the next push creates it in Shopify. Its handle taken
meanwhile, or the entry restored already: 409. The restore is audited on the deleted product's id
(`RESTORE_ACTION`, naming the entry and the new product), which is how a second one is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import Select, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit import service as audit
from product_dashboard.audit.service import Actor
from product_dashboard.conflict.create import create_request
from product_dashboard.conflict.snapshot import SyncedSnapshot
from product_dashboard.conflict.whole_shape import (
    CATEGORY_NAME,
    KEPT_COLUMNS,
    STOCK,
    DeletedInShopify,
)
from product_dashboard.exceptions import Conflict, NotFound, Unprocessable
from product_dashboard.inventory.levels import level_shapes
from product_dashboard.kit.pagination import Page, PaginationParams
from product_dashboard.models import AuditEvent, AuditSource, Product
from product_dashboard.models.audit_event import PRODUCT_DELETION_INDEX
from product_dashboard.product import service as product_service
from product_dashboard.product.schemas import ProductCreate
from product_dashboard.product.stock import put_back_levels
from product_dashboard.safety.diff import FieldChange, diff

DELETE_ACTION = "delete"
RESTORE_ACTION = "restore"
_DELETED_BY_SHOPIFY = (AuditSource.webhook.value, AuditSource.sync.value)


class DeletedProduct(BaseModel):
    """A product deleted here because Shopify deleted it, as the Activity page lists it."""

    audit_id: int
    at: datetime
    source: str
    product_id: int
    title: str
    handle: str | None
    shopify_product_id: str | None
    restorable: bool
    """Its whole shape was kept (not for one deleted here first, or before shapes were kept)."""
    restored_product_id: int | None = None


class RestoreResult(BaseModel):
    audit_id: int
    dry_run: bool
    product_id: int | None
    """The product made again (None in a dry run)."""
    handle: str
    title: str
    changes: list[FieldChange]
    """Every field it comes back with, as a job's results show a created product."""


def _deletions_by_shopify() -> Select[AuditEvent]:
    """Product deletions because Shopify deleted them, read by their partial index (its
    condition written out, not bound: a generic plan of the prepared statement, PostgreSQL
    after five runs, cannot tell that a parameter meets it)."""
    return (
        select(AuditEvent)
        .where(
            AuditEvent.entity_type == literal("product", literal_execute=True),
            AuditEvent.action == literal(DELETE_ACTION, literal_execute=True),
            AuditEvent.source.in_(_DELETED_BY_SHOPIFY),
        )
        # SQLite keeps no statistics: it would take the entity index (every product's entries).
        .with_hint(AuditEvent, f"INDEXED BY {PRODUCT_DELETION_INDEX}", dialect_name="sqlite")
    )


async def deleted_products(
    session: AsyncSession, pagination: PaginationParams
) -> Page[DeletedProduct]:
    """The products deleted because Shopify deleted them, newest first, a page of them."""
    deletions = _deletions_by_shopify()
    total = await session.scalar(select(func.count()).select_from(deletions.subquery())) or 0
    events = list(
        await session.scalars(
            deletions.order_by(AuditEvent.id.desc())
            .offset(pagination.offset)
            .limit(pagination.per_page)
        )
    )
    restored = await _restored_as(session, events)
    return Page(
        items=[_listed(event, restored.get(event.id)) for event in events],
        total=total,
        page=pagination.page,
        per_page=pagination.per_page,
    )


def _listed(event: AuditEvent, restored_product_id: int | None) -> DeletedProduct:
    deleted = _recorded(event)
    if deleted is None:  # an entry whose shape cannot be read: listed, not restorable
        before = event.before or {}
        return DeletedProduct(
            audit_id=event.id,
            at=event.at,
            source=event.source,
            product_id=int(event.entity_id),
            title=str(before.get("title") or f"Product {event.entity_id}"),
            handle=None,
            shopify_product_id=None,
            restorable=False,
            restored_product_id=restored_product_id,
        )
    return DeletedProduct(
        audit_id=event.id,
        at=event.at,
        source=event.source,
        product_id=deleted.id,
        title=deleted.title,
        handle=deleted.handle,
        shopify_product_id=deleted.shopify_product_id,
        restorable=deleted.shape is not None,
        restored_product_id=restored_product_id,
    )


async def delete_entry_of(session: AsyncSession, product_id: int) -> AuditEvent | None:
    """The audit entry of the product's deletion because Shopify deleted it (the latest)."""
    return (
        await session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.entity_type == "product",
                AuditEvent.entity_id == str(product_id),
                AuditEvent.action == DELETE_ACTION,
                AuditEvent.source.in_(_DELETED_BY_SHOPIFY),
            )
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
    ).first()


async def restored_as(session: AsyncSession, event: AuditEvent) -> int | None:
    """The product the deletion `event` was restored as (None: not restored)."""
    return (await _restored_as(session, [event])).get(event.id)


async def _restored_as(session: AsyncSession, events: Sequence[AuditEvent]) -> dict[int, int]:
    """The product each of these deletions was restored as, by the deletion's audit id (one
    statement: the restores audited on the deleted products' ids)."""
    if not events:
        return {}
    deletions = {event.id for event in events}
    restores = await session.scalars(
        select(AuditEvent).where(
            AuditEvent.entity_type == "product",
            AuditEvent.entity_id.in_(sorted({event.entity_id for event in events})),
            AuditEvent.action == RESTORE_ACTION,
            AuditEvent.id > min(deletions),
        )
    )
    restored: dict[int, int] = {}
    for restore in restores:
        after = restore.after or {}
        audit_id = after.get("audit_id")
        if audit_id in deletions and restore.id > audit_id:
            restored[audit_id] = int(after["product_id"])
    return restored


async def restore_deleted(
    session: AsyncSession, audit_id: int, actor: Actor, *, dry_run: bool
) -> RestoreResult:
    """Make the product the deletion entry `audit_id` kept again (module notes); with `dry_run`
    only say what it would come back with. Raises NotFound, Unprocessable (nothing kept) or
    Conflict (restored already, handle taken)."""
    event = await session.get(AuditEvent, audit_id)
    deleted = _recorded(event) if event is not None else None
    if event is None or deleted is None or event.source not in _DELETED_BY_SHOPIFY:
        raise NotFound(f"Audit entry {audit_id} is no product deleted because Shopify deleted it.")
    if deleted.shape is None:
        raise Unprocessable(
            f"Audit entry {audit_id} kept no shape of product {deleted.id} (deleted here first, "
            "or before deleted products were kept): it cannot be restored."
        )
    shape = deleted.shape
    restored = await restored_as(session, event)
    if restored is not None:
        raise Conflict(
            f"Product {deleted.id} was already restored from audit entry {audit_id}, as "
            f"product {restored}.",
            extra={"product_id": restored},
        )
    handle = str(shape.get("handle") or "")
    holder = await session.scalar(select(Product.id).where(Product.handle == handle))
    if holder is not None:
        raise Conflict(
            f"The handle {handle!r} is taken by product {holder} meanwhile: rename or delete "
            "that product, then restore this one.",
            extra={"product_id": holder},
        )
    product_id = None if dry_run else await recreate(session, shape, actor)
    if product_id is not None:
        audit.record(
            session,
            actor,
            entity_type="product",
            entity_id=deleted.id,
            action=RESTORE_ACTION,
            before=None,
            after={"audit_id": audit_id, "product_id": product_id},
        )
        await session.flush()
    return RestoreResult(
        audit_id=audit_id,
        dry_run=dry_run,
        product_id=product_id,
        handle=handle,
        title=str(shape.get("title") or deleted.title),
        changes=diff(None, shape),
    )


async def recreate(session: AsyncSession, shape: dict[str, Any], actor: Actor) -> int:
    """A new, unlinked product made of a whole shape (`conflict.whole_shape`), as every create
    is made; its id."""
    product = SyncedSnapshot.from_stored(shape).to_sync_product()
    # The snapshot holds no quantities: the stock comes back per location below.
    product = replace(
        product,
        category_name=shape.get(CATEGORY_NAME),
        variants=[replace(v, inventory_quantity=0) for v in product.variants],
    )
    data = create_request(product).model_dump(exclude_unset=True)
    if product.category_id:
        data["category"] = {
            "id": product.category_id,
            "name": product.category_name or product.category_id,
        }
    if shape.get(KEPT_COLUMNS):
        data["extra_columns"] = shape[KEPT_COLUMNS]
    elements = shape.get("variants") or ()
    for given, element in zip(data.get("variants") or (), elements, strict=False):
        if given.get("weight_grams") is None:
            given.pop("weight_grams", None)  # the weight is its value and unit, as kept
        if element.get(KEPT_COLUMNS):
            given["extra_columns"] = element[KEPT_COLUMNS]
    try:
        request = ProductCreate.model_validate(data)
    except ValidationError as exc:
        raise Unprocessable(f"The kept product is not valid here any more: {exc}") from exc
    product_id = await product_service.create(session, request, actor)
    now = (await level_shapes(session, [product_id])).get(product_id, [])
    await put_back_levels(session, product_id, shape.get(STOCK) or [], now, actor)
    return product_id


def _recorded(event: AuditEvent) -> DeletedInShopify | None:
    if event.entity_type != "product" or event.action != DELETE_ACTION or not event.before:
        return None
    try:
        return DeletedInShopify.model_validate(event.before)
    except ValidationError:
        return None


__all__ = [
    "DeletedProduct",
    "RestoreResult",
    "delete_entry_of",
    "deleted_products",
    "recreate",
    "restore_deleted",
    "restored_as",
]
