"""`/api/batch/*`: legacy generic batches on top of the job framework."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import func, select

from product_dashboard.auth.dependencies import CurrentPrincipal, WriterPrincipal
from product_dashboard.batch import legacy
from product_dashboard.batch.legacy_schemas import (
    LegacyBatchCreate,
    LegacyBatchRead,
    LegacyBatchStatus,
    LegacyItemRead,
    LegacyStats,
)
from product_dashboard.db import SessionDep
from product_dashboard.job.dependencies import JobRunnerDep
from product_dashboard.kit.pagination import Page, PaginationDep
from product_dashboard.models import LegacyBatchItem

router = APIRouter(prefix="/api/batch", tags=["legacy-batch"])


@router.post("/create", response_model=LegacyBatchRead, status_code=status.HTTP_201_CREATED)
async def create_batch(
    body: LegacyBatchCreate, session: SessionDep, principal: WriterPrincipal
) -> LegacyBatchRead:
    """Store a validated batch; nothing runs until `/process`."""
    return legacy.read(await legacy.create(session, body, principal.user.id))


@router.get("/stats", response_model=LegacyStats)
async def batch_stats(session: SessionDep, _: CurrentPrincipal) -> LegacyStats:
    return await legacy.stats(session)


@router.post(
    "/{batch_id}/process", response_model=LegacyBatchRead, status_code=status.HTTP_202_ACCEPTED
)
async def process_batch(
    batch_id: str, session: SessionDep, principal: WriterPrincipal, runner: JobRunnerDep
) -> LegacyBatchRead:
    """Run the batch as a job (a stopped or failed one continues with its pending items)."""
    return legacy.read(await legacy.process(session, batch_id, runner, principal.user.id))


@router.get("/{batch_id}/status", response_model=LegacyBatchStatus)
async def batch_status(
    batch_id: str, session: SessionDep, _: CurrentPrincipal, pagination: PaginationDep
) -> LegacyBatchStatus:
    """State, progress and per-item results (paginated, in processing order)."""
    batch = await legacy.get(session, batch_id)
    where = LegacyBatchItem.batch_id == batch_id
    total = await session.scalar(select(func.count()).where(where))
    items = await session.scalars(
        select(LegacyBatchItem)
        .where(where)
        .order_by(LegacyBatchItem.position)
        .offset(pagination.offset)
        .limit(pagination.per_page)
    )
    page = Page[LegacyItemRead](
        items=[
            LegacyItemRead(
                id=i.id,
                position=i.position,
                operation=i.operation,
                product_id=i.product_id,
                state=i.state,
                error=i.error,
                duration_ms=i.duration_ms,
                finished_at=i.finished_at,
            )
            for i in items
        ],
        total=int(total or 0),
        page=pagination.page,
        per_page=pagination.per_page,
    )
    return LegacyBatchStatus(**legacy.read(batch).model_dump(), items=page)
