from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from fastapi import FastAPI

from product_dashboard.job import JobRunner
from tests.job.helpers import FAST


@pytest.fixture
async def runner(app: FastAPI) -> AsyncIterator[JobRunner]:
    """A fast-ticking runner standing in for the app's own (so the API talks to it)."""
    original: JobRunner = app.state.job_runner
    fast = JobRunner(app.state.event_bus, replace(FAST))
    await fast.start(app.state.sessionmaker)
    app.state.job_runner = fast
    try:
        yield fast
    finally:
        app.state.job_runner = original
        await fast.close()
