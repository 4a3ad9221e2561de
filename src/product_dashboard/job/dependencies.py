from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from product_dashboard.job.runner import JobRunner


def get_job_runner(request: Request) -> JobRunner:
    runner: JobRunner = request.app.state.job_runner
    return runner


JobRunnerDep = Annotated[JobRunner, Depends(get_job_runner)]
