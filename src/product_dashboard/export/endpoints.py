"""`POST /api/products/batch/export` and `/api/exports/<id>`: small exports stream back at once,
large ones run as jobs whose file is downloaded afterwards."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from product_dashboard.auth.dependencies import CurrentPrincipal
from product_dashboard.batch.engine import where_for
from product_dashboard.batch.schemas import SYNC_LIMIT, Selection
from product_dashboard.config import SettingsDep
from product_dashboard.db import SessionDep, SessionmakerDep
from product_dashboard.exceptions import Conflict, NotFound, TooManyRequests
from product_dashboard.export import source
from product_dashboard.export.formats import CONTENT_TYPES, ExportFormat
from product_dashboard.export.tasks import EXPORT_JOB, ExportParams, export_dir, filename
from product_dashboard.export.writers import encode, write_xlsx
from product_dashboard.job import service as job_service
from product_dashboard.job.dependencies import JobRunnerDep
from product_dashboard.job.repository import JobRepository
from product_dashboard.job.schemas import JobRead
from product_dashboard.kit.time import utcnow
from product_dashboard.models import Job, JobState

router = APIRouter(tags=["exports"])


class ExportBody(Selection):
    format: ExportFormat = "csv"
    as_job: bool = Field(default=False, description="Run as a job even for a small selection")
    protect_formulas: bool = Field(
        default=True,
        description="CSV: write cells a spreadsheet would run as formulas (=, +, -, @) with a "
        "leading apostrophe; the importer removes it. Off only for files no spreadsheet opens.",
    )


class ExportAccepted(BaseModel):
    export_id: str
    job_id: str
    products: int
    download_url: str


def _disposition(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.post(
    "/api/products/batch/export",
    openapi_extra={"x-read-only": True},  # reads the catalog: viewers may export
    responses={
        200: {"description": "The file itself (up to 1,000 products)"},
        202: {"model": ExportAccepted, "description": "Large selection: exporting as a job"},
    },
)
async def export_products(
    body: ExportBody,
    session: SessionDep,
    principal: CurrentPrincipal,
    runner: JobRunnerDep,
    settings: SettingsDep,
    sessions: SessionmakerDep,
) -> Any:
    where = await where_for(session, body.to_json())
    total = await source.count(session, where)
    if total > SYNC_LIMIT or body.as_job:
        cap = settings.max_active_exports_per_user
        active = await JobRepository(session).count_active(EXPORT_JOB.name, principal.user.id)
        if active >= cap:
            raise TooManyRequests(
                f"You already have {cap} exports queued or running; download or wait for one "
                "before starting another.",
                retry_after=30,
            )
        job_id = await EXPORT_JOB.submit(
            runner,
            ExportParams(
                format=body.format,
                selection=body.to_json(),
                protect_formulas=body.protect_formulas,
            ),
            created_by_id=principal.user.id,
            session=session,
        )
        accepted = ExportAccepted(
            export_id=job_id,
            job_id=job_id,
            products=total,
            download_url=f"/api/exports/{job_id}/download",
        )
        return JSONResponse(accepted.model_dump(), status_code=status.HTTP_202_ACCEPTED)
    name = filename(body.format, utcnow().strftime("%Y%m%d-%H%M%S"))
    locations = await source.locations(session)
    if body.format == "xlsx":
        path = export_dir(settings.data_dir) / f"tmp-{uuid.uuid4().hex}.xlsx"
        await write_xlsx(path, source.products(sessions, where), locations=locations)
        return FileResponse(
            path,
            media_type=CONTENT_TYPES["xlsx"],
            filename=name,
            background=BackgroundTask(path.unlink, missing_ok=True),
        )
    extra = await source.extra_headers(session, where) if body.format == "shopify_csv" else []
    return StreamingResponse(
        encode(
            body.format,
            source.products(sessions, where),
            protect_formulas=body.protect_formulas,
            extra_headers=extra,
            locations=locations,
        ),
        media_type=CONTENT_TYPES[body.format],
        headers=_disposition(name),
    )


async def _export_job(session: SessionDep, export_id: str) -> Job:
    job = await job_service.get(session, export_id)
    if job.type != EXPORT_JOB.name:
        raise NotFound(f"No export with id {export_id}.")
    return job


@router.get("/api/exports/{export_id}", response_model=JobRead)
async def export_status(export_id: str, session: SessionDep, _: CurrentPrincipal) -> JobRead:
    """The export job: state, progress and (once completed) the file's details."""
    return JobRead.from_job(await _export_job(session, export_id))


@router.get("/api/exports/{export_id}/download", response_class=FileResponse)
async def download_export(export_id: str, session: SessionDep, _: CurrentPrincipal) -> Any:
    row = await _export_job(session, export_id)
    job = JobRead.from_job(row)
    report = EXPORT_JOB.report_of(row)
    if job.state != JobState.completed or report is None or report.path is None:
        raise Conflict(
            f"Export {export_id} is {job.state.value}; the file is ready once it completes.",
            extra={"state": job.state.value, "percent": job.percent},
        )
    path = Path(report.path)
    if not await asyncio.to_thread(path.exists):
        raise NotFound(f"The file of export {export_id} is no longer available.")
    return FileResponse(path, media_type=report.content_type, filename=report.filename)
