"""`/api/products/batch/*`: batch edits with dry run, jobs for large selections, and undo."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from product_dashboard.audit.service import Actor
from product_dashboard.auth.dependencies import CurrentPrincipal, Principal, WriterPrincipal
from product_dashboard.batch import engine
from product_dashboard.batch.schemas import (
    MAX_IDS,
    SYNC_LIMIT,
    AddToCollectionBody,
    BatchBody,
    BatchRead,
    BatchResult,
    CategoryBody,
    PricingBody,
    StatusBody,
    UndoResult,
)
from product_dashboard.batch.tasks import BATCH_JOB, UNDO_JOB, BatchJobParams, UndoJobParams
from product_dashboard.db import SessionDep
from product_dashboard.exceptions import Unprocessable
from product_dashboard.grid.schemas import CellsBody
from product_dashboard.job.dependencies import JobRunnerDep
from product_dashboard.kit.pagination import Page, PaginationDep
from product_dashboard.models import AuditSource, BatchState, ProductBatch

router = APIRouter(prefix="/api/products/batch", tags=["batch"])

ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {"model": BatchResult, "description": "Large selection: running as a job"}
}


def _actor(principal: Principal) -> Actor:
    return Actor.for_user(principal.user, AuditSource.batch)


async def _run(
    kind: str,
    body: BatchBody,
    params: dict[str, Any],
    session: SessionDep,
    principal: Principal,
    runner: JobRunnerDep,
) -> BatchResult | JSONResponse:
    selection = body.to_json()
    if body.dry_run:
        return await engine.preview(session, kind, params, selection)
    op = engine.operation(kind, params)
    where = await engine.where_for(session, selection)
    await op.validate(session, where)
    matched = await engine.count(session, where)
    batch = engine.new_batch(kind, params, selection, _actor(principal))
    session.add(batch)
    if matched > SYNC_LIMIT:
        batch.matched = matched
        batch.job_id = await BATCH_JOB.submit(
            runner,
            BatchJobParams(batch_id=batch.id),
            created_by_id=principal.user.id,
            session=session,
        )
        result = BatchResult(
            batch_id=batch.id,
            kind=kind,
            dry_run=False,
            state=batch.state,
            matched=matched,
            changed=0,
            unchanged=0,
            job_id=batch.job_id,
        )
        return JSONResponse(result.model_dump(mode="json"), status_code=status.HTTP_202_ACCEPTED)
    await session.flush()
    await engine.execute(session, batch)
    return BatchResult(
        batch_id=batch.id,
        kind=kind,
        dry_run=False,
        state=batch.state,
        matched=batch.matched,
        changed=batch.changed,
        unchanged=batch.matched - batch.changed,
    )


@router.post("/update-status", response_model=BatchResult, responses=ACCEPTED)
async def update_status(
    body: StatusBody, session: SessionDep, principal: WriterPrincipal, runner: JobRunnerDep
) -> BatchResult | JSONResponse:
    return await _run("status", body, {"status": body.status}, session, principal, runner)


@router.post("/update-category", response_model=BatchResult, responses=ACCEPTED)
async def update_category(
    body: CategoryBody, session: SessionDep, principal: WriterPrincipal, runner: JobRunnerDep
) -> BatchResult | JSONResponse:
    category = body.category.model_dump() if body.category else None
    return await _run("category", body, {"category": category}, session, principal, runner)


@router.post("/update-pricing", response_model=BatchResult, responses=ACCEPTED)
async def update_pricing(
    body: PricingBody, session: SessionDep, principal: WriterPrincipal, runner: JobRunnerDep
) -> BatchResult | JSONResponse:
    pricing = body.pricing.model_dump(mode="json")
    return await _run("pricing", body, {"pricing": pricing}, session, principal, runner)


@router.post("/add-to-collection", response_model=BatchResult, responses=ACCEPTED)
async def add_to_collection(
    body: AddToCollectionBody,
    session: SessionDep,
    principal: WriterPrincipal,
    runner: JobRunnerDep,
) -> BatchResult | JSONResponse:
    params = {"collection_id": body.collection_id}
    return await _run("add_to_collection", body, params, session, principal, runner)


@router.post("/update-cells", response_model=BatchResult, responses=ACCEPTED)
async def update_cells(
    body: CellsBody, session: SessionDep, principal: WriterPrincipal, runner: JobRunnerDep
) -> BatchResult | JSONResponse:
    """Cells edited in the bulk editor, as one batch: a 422 names each cell that cannot take its
    value, a 409 the products changed since the grid read them (nothing is written then)."""
    product_ids = sorted({cell.product_id for cell in body.cells})
    if len(product_ids) > MAX_IDS:
        raise Unprocessable(f"At most {MAX_IDS:,} products can be edited in one save.")
    selection = BatchBody(product_ids=product_ids, dry_run=body.dry_run)
    params = {"cells": [cell.model_dump(mode="json") for cell in body.cells]}
    return await _run("cells", selection, params, session, principal, runner)


@router.delete("/delete", response_model=BatchResult, responses=ACCEPTED)
async def delete_products(
    body: BatchBody, session: SessionDep, principal: WriterPrincipal, runner: JobRunnerDep
) -> BatchResult | JSONResponse:
    """Deleted products become tombstones, so the batch can be undone."""
    return await _run("delete", body, {}, session, principal, runner)


def _read(batch: ProductBatch) -> BatchRead:
    return BatchRead(
        id=batch.id,
        kind=batch.kind,
        state=batch.state,
        params=batch.params,
        matched=batch.matched,
        changed=batch.changed,
        error=batch.error,
        job_id=batch.job_id,
        undo_job_id=batch.undo_job_id,
        actor_email=batch.actor_email,
        created_at=batch.created_at,
        finished_at=batch.finished_at,
        undone_at=batch.undone_at,
    )


@router.get("", response_model=Page[BatchRead])
async def list_batches(
    session: SessionDep,
    _: CurrentPrincipal,
    pagination: PaginationDep,
    state: Annotated[BatchState | None, Query()] = None,
) -> Page[BatchRead]:
    where = [ProductBatch.state == state.value] if state else []
    total = await session.scalar(select(func.count()).select_from(ProductBatch).where(*where))
    rows = await session.scalars(
        select(ProductBatch)
        .where(*where)
        .order_by(ProductBatch.created_at.desc(), ProductBatch.id)
        .offset(pagination.offset)
        .limit(pagination.per_page)
    )
    return Page(
        items=[_read(b) for b in rows],
        total=int(total or 0),
        page=pagination.page,
        per_page=pagination.per_page,
    )


@router.get("/{batch_id}", response_model=BatchRead)
async def get_batch(batch_id: str, session: SessionDep, _: CurrentPrincipal) -> BatchRead:
    return _read(await engine.get_batch(session, batch_id))


@router.post(
    "/{batch_id}/undo",
    response_model=UndoResult,
    responses={202: {"model": UndoResult, "description": "Large batch: undoing as a job"}},
)
async def undo_batch(
    batch_id: str, session: SessionDep, principal: WriterPrincipal, runner: JobRunnerDep
) -> UndoResult | JSONResponse:
    """Revert a batch; 409 listing the products edited since (nothing is reverted then)."""
    batch = await engine.get_batch(session, batch_id)
    await engine.check_undoable(session, batch)
    actor = _actor(principal)
    if await engine.item_count(session, batch.id) > SYNC_LIMIT:
        batch.state = BatchState.undoing.value
        batch.undo_job_id = await UNDO_JOB.submit(
            runner,
            UndoJobParams(batch_id=batch.id, user_id=actor.user_id, email=actor.email),
            created_by_id=principal.user.id,
            session=session,
        )
        result = UndoResult(
            batch_id=batch.id, state=batch.state, reverted=0, job_id=batch.undo_job_id
        )
        return JSONResponse(result.model_dump(mode="json"), status_code=status.HTTP_202_ACCEPTED)
    reverted = await engine.undo(session, batch, actor)
    return UndoResult(batch_id=batch.id, state=batch.state, reverted=reverted)
