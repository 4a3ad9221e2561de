from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from product_dashboard.job.runner import JobRunner


async def get_job_runner(connection: HTTPConnection) -> JobRunner:
    runner: JobRunner = connection.app.state.job_runner
    return runner


JobRunnerDep = Annotated[JobRunner, Depends(get_job_runner)]
