"""A dashboard process for the crash test.

`python -m tests.sync.crash_worker DB STORE TOKEN [start] [bulk]`:

With `start` it queues a sequential push (a bulk one with `bulk`); either way it serves jobs until
no sync job is left unfinished, then exits. The test SIGKILLs it mid-push and starts it again.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from sqlalchemy import select

from product_dashboard.config import Settings
from product_dashboard.job import RunnerConfig
from product_dashboard.main import create_app
from product_dashboard.models import Job, JobState
from product_dashboard.sync.job_types import PUSH_JOB

RUNNER = RunnerConfig(
    poll_interval=0.1, progress_interval=0.05, heartbeat_interval=0.2, stale_after=1.0
)


async def main(database_url: str, store_url: str, token: str, start: bool, mode: str) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="crash-worker-"))
    settings = Settings(
        _env_file=None,
        environment="test",
        database_url=database_url,
        jwt_secret="crash-test-" + "x" * 40,
        log_dir=scratch / "logs",
        data_dir=scratch / "data",
        shopify_store_url=store_url,
        shopify_access_token=token,
        shopify_timeout_seconds=5.0,
    )
    app = create_app(settings)
    app.state.job_runner.config = RUNNER
    async with app.router.lifespan_context(app):
        if start:
            job_id = await app.state.job_runner.submit(PUSH_JOB.name, {"mode": mode})
            print(job_id, flush=True)
        while True:
            await asyncio.sleep(0.1)
            async with app.state.sessionmaker() as session:
                states = (
                    await session.scalars(select(Job.state).where(Job.type == PUSH_JOB.name))
                ).all()
            if states and all(JobState(s).is_final for s in states):
                return


if __name__ == "__main__":
    flags = sys.argv[4:]
    mode = "bulk" if "bulk" in flags else "sequential"
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], "start" in flags, mode))
