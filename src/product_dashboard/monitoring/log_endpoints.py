"""`/api/logs/failures`: the log file's recent failures, grouped by job, for the Activity page."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query

from product_dashboard.auth.dependencies import WriterPrincipal
from product_dashboard.config import SettingsDep
from product_dashboard.monitoring.log_failures import JobFailures, recent_failures
from product_dashboard.monitoring.log_setup import log_file_path

router = APIRouter(prefix="/api/logs", tags=["monitoring"])


@router.get("/failures", response_model=list[JobFailures])
async def log_failures(
    settings: SettingsDep,
    _: WriterPrincipal,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[JobFailures]:
    """Warnings and errors among the newest 2 MiB of logs/dashboard.log, one group per job
    (`job=` field; failures outside a job in one group with job null), newest first."""
    path = log_file_path(settings.log_dir)
    return await asyncio.to_thread(recent_failures, path, limit)
