"""`/api/conflicts`: detect, list, resolve, stats (and a manual reconciliation run)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from product_dashboard.audit.service import Actor
from product_dashboard.auth.dependencies import CurrentPrincipal, WriterPrincipal
from product_dashboard.conflict import service
from product_dashboard.conflict.flows import (
    DETECT_JOB,
    DetectParams,
    committing,
    detect_many,
    linked_products,
)
from product_dashboard.conflict.remote import TruncatedProduct
from product_dashboard.conflict.scheduled import Reconciler
from product_dashboard.conflict.schemas import (
    ConflictRead,
    DetectRequest,
    DetectResult,
    ResolveRequest,
    ResolveResult,
)
from product_dashboard.db import SessionDep
from product_dashboard.exceptions import AppError
from product_dashboard.kit.pagination import EntityId, Page, PaginationDep
from product_dashboard.models import Product
from product_dashboard.shopify.errors import ShopifyError
from product_dashboard.webhook.service import Inbound

router = APIRouter(prefix="/api/conflicts", tags=["conflicts"])


def _inbound(request: Request) -> Inbound:
    inbound: Inbound = request.app.state.inbound
    return inbound


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


@router.get("/{conflict_id}", response_model=ConflictRead)
async def get_conflict(
    session: SessionDep, _: CurrentPrincipal, conflict_id: EntityId
) -> ConflictRead:
    record = await service.get(session, conflict_id)
    title = await session.scalar(select(Product.title).where(Product.id == record.product_id))
    return ConflictRead.of(record, title)


@router.post("/{conflict_id}/resolve", response_model=ResolveResult)
async def resolve_conflict(
    request: Request,
    session: SessionDep,
    principal: WriterPrincipal,
    conflict_id: EntityId,
    body: ResolveRequest,
) -> ResolveResult:
    """keep_local, keep_remote, or merge with a choice per field; applied here, then pushed."""
    inbound = _inbound(request)
    actor = Actor.for_user(principal.user)
    record, product, push_needed = await service.resolve(
        session, conflict_id, body.strategy, body.fields, actor, inbound.conflict_events
    )
    push_job = None
    if push_needed and product is not None:
        push_job = await inbound.queue_push(session, product.id, principal.user.id)
    inbound.conflict_events.resolved(session, record, push_job)
    title = product.title if product is not None else None
    return ResolveResult(
        conflict=ConflictRead.of(record, title),
        product_id=product.id if product is not None else None,
        product_version=product.version if product is not None else None,
        push_needed=push_needed,
        push_job_id=push_job,
    )


@router.post("/detect", response_model=DetectResult)
async def detect_conflicts(
    request: Request,
    session: SessionDep,
    principal: WriterPrincipal,
    body: DetectRequest | None = None,
) -> DetectResult:
    """Compare products with Shopify now; scopes above CONFLICT_DETECT_INLINE_LIMIT run as a job."""
    inbound = _inbound(request)
    client = inbound.shopify()
    ids = body.product_ids if body is not None else None
    statement = linked_products()
    if ids is not None:
        statement = statement.where(Product.id.in_(ids))
    limit = inbound.settings.conflict_detect_inline_limit
    targets = [
        (row.id, row.shopify_product_id)
        for row in await session.execute(statement.order_by(Product.id).limit(limit + 1))
    ]
    if len(targets) > limit:
        job_id = await DETECT_JOB.submit(
            inbound.runner,
            DetectParams(product_ids=ids),
            created_by_id=principal.user.id,
            session=session,
        )
        return DetectResult(job_id=job_id, checked=0, outcomes={}, conflicts=[], errors=[])
    summary = await detect_many(
        committing(inbound.sessionmaker), client, inbound.conflict_events, targets
    )
    return DetectResult(job_id=None, **summary.model_dump())


@router.post("/reconcile")
async def reconcile_now(request: Request, _: WriterPrincipal) -> dict[str, Any]:
    """Run one incremental pull now (what the scheduler does every RECONCILE_INTERVAL_SECONDS)."""
    inbound = _inbound(request)
    reconciler = inbound.reconciler or Reconciler(
        inbound.sessionmaker, inbound.shopify(), inbound.conflict_events, 0
    )
    try:
        return await reconciler.run_once()
    except (ShopifyError, TruncatedProduct) as exc:
        raise ShopifyUnavailable(f"Reading changes from Shopify failed: {exc}") from exc


class ShopifyUnavailable(AppError):
    status_code = 502
    kind = "shopify_error"
