"""`/api/conflicts`: list, resolve, stats (detection and reconciliation: inbound/checks.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from sqlalchemy import select

from product_dashboard.audit.service import Actor
from product_dashboard.auth.dependencies import CurrentPrincipal, WriterPrincipal
from product_dashboard.conflict import service
from product_dashboard.conflict.dependencies import ConflictServicesDep
from product_dashboard.conflict.schemas import (
    ConflictRead,
    ResolveRequest,
    ResolveResult,
)
from product_dashboard.db import SessionDep
from product_dashboard.kit.pagination import EntityId, Page, PaginationDep
from product_dashboard.models import Product

router = APIRouter(prefix="/api/conflicts", tags=["conflicts"])


@router.get("", response_model=Page[ConflictRead])
async def list_conflicts(
    session: SessionDep,
    _: CurrentPrincipal,
    pagination: PaginationDep,
    state: Annotated[Literal["open", "resolved", "superseded"] | None, Query()] = "open",
    product_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    source: Annotated[Literal["webhook", "pull", "detect"] | None, Query()] = None,
    field: Annotated[str | None, Query(max_length=255, examples=["price", "title"])] = None,
) -> Page[ConflictRead]:
    rows, total = await service.list_conflicts(
        session,
        state=state,
        product_id=product_id,
        source=source,
        field=field,
        offset=pagination.offset,
        limit=pagination.per_page,
    )
    return Page(
        items=[ConflictRead.of(record, title) for record, title in rows],
        total=total,
        page=pagination.page,
        per_page=pagination.per_page,
    )


@router.get("/stats")
async def conflict_stats(session: SessionDep, _: CurrentPrincipal) -> dict[str, Any]:
    return await service.stats(session)


@router.get("/{conflict_id:int}", response_model=ConflictRead)
async def get_conflict(
    session: SessionDep, _: CurrentPrincipal, conflict_id: EntityId
) -> ConflictRead:
    record = await service.get(session, conflict_id)
    title = await session.scalar(select(Product.title).where(Product.id == record.product_id))
    return ConflictRead.of(record, title)


@router.post("/{conflict_id:int}/resolve", response_model=ResolveResult)
async def resolve_conflict(
    conflicts: ConflictServicesDep,
    session: SessionDep,
    principal: WriterPrincipal,
    conflict_id: EntityId,
    body: ResolveRequest,
) -> ResolveResult:
    """keep_local, keep_remote, or merge with a choice per field; applied here, then pushed."""
    actor = Actor.for_user(principal.user)
    record, product, push_needed = await service.resolve(
        session, conflict_id, body.strategy, body.fields, actor, conflicts.events
    )
    push_job = None
    if push_needed and product is not None:
        push_job = await conflicts.queue_push(session, product.id, principal.user.id)
    conflicts.events.resolved(session, record, push_job)
    title = product.title if product is not None else None
    return ResolveResult(
        conflict=ConflictRead.of(record, title),
        product_id=product.id if product is not None else None,
        product_version=product.version if product is not None else None,
        push_needed=push_needed,
        push_job_id=push_job,
    )
