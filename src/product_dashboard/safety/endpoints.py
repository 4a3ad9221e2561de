"""A job's results (or preview): paginated, summed up, and as CSV or JSONL files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from product_dashboard.auth.dependencies import CurrentPrincipal
from product_dashboard.db import SessionDep, SessionmakerDep
from product_dashboard.job import service as job_service
from product_dashboard.kit.pagination import Page, PaginationDep
from product_dashboard.models import ResultStage
from product_dashboard.safety import results
from product_dashboard.safety.files import CONTENT_TYPES, ResultsFormat, lines
from product_dashboard.safety.results import ChangeCounts, ResultRead

router = APIRouter(prefix="/api/jobs", tags=["jobs"])

StageQuery = Annotated[
    ResultStage,
    Query(description="`done`: what the job did; `preview`: what it would do (dry run, or held)"),
]


class ResultsSummary(BaseModel):
    job_id: str
    stage: ResultStage
    counts: ChangeCounts


@router.get("/{job_id}/results", response_model=Page[ResultRead])
async def list_results(
    job_id: str,
    _: CurrentPrincipal,
    session: SessionDep,
    pagination: PaginationDep,
    stage: StageQuery = ResultStage.done,
) -> Page[ResultRead]:
    """One row per product the job touched: action, fields changed old → new, ids, error."""
    await job_service.get(session, job_id)
    rows, total = await results.page(
        session, job_id, stage, offset=pagination.offset, limit=pagination.per_page
    )
    return Page[ResultRead](
        items=[ResultRead.model_validate(row) for row in rows],
        total=total,
        page=pagination.page,
        per_page=pagination.per_page,
    )


@router.get("/{job_id}/results/summary", response_model=ResultsSummary)
async def results_summary(
    job_id: str, _: CurrentPrincipal, session: SessionDep, stage: StageQuery = ResultStage.done
) -> ResultsSummary:
    """Products per action, and changes per field and kind."""
    await job_service.get(session, job_id)
    counts = await results.counts(session, job_id, stage)
    return ResultsSummary(job_id=job_id, stage=stage, counts=counts)


@router.get("/{job_id}/results.{format}")
async def download_results(
    job_id: str,
    format: ResultsFormat,
    _: CurrentPrincipal,
    session: SessionDep,
    sessions: SessionmakerDep,
    stage: StageQuery = ResultStage.done,
) -> StreamingResponse:
    """The results file: CSV (changes as `path: old → new` lines) or JSONL."""
    await job_service.get(session, job_id)

    async def body() -> AsyncIterator[str]:
        # Its own session: the request's is closed before a streamed body is sent.
        async with sessions() as own:
            async for chunk in lines(own, job_id, stage, format):
                yield chunk

    name = f"job-{job_id}-{stage.value}.{format.value}"
    return StreamingResponse(
        body(),
        media_type=CONTENT_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
