from __future__ import annotations

import asyncio
from typing import Any

import pytest

from product_dashboard.icon.jobs import ICON_JOB, IconJob, run_icon_job
from product_dashboard.icon.service import IconOutcome, ItemStatus
from product_dashboard.job import JobContext, StopReason
from product_dashboard.job.typed import TypedJob
from product_dashboard.models import Job

pytestmark = pytest.mark.quick


class ScriptedService:
    """Stands in for IconService: each product finishes when the test releases it."""

    remote_model = None

    def __init__(self, width: int) -> None:
        self.width = width
        self.release: dict[int, asyncio.Event] = {}
        self.started: list[int] = []

    def parallelism(self, provider: str) -> int:
        return self.width

    async def generate(self, sessions: Any, product_id: int, **_: Any) -> IconOutcome:
        self.started.append(product_id)
        await self.release.setdefault(product_id, asyncio.Event()).wait()
        return IconOutcome(product_id, ItemStatus.generated, provider="local")

    async def prune_files(self, sessions: Any) -> int:
        return 0

    def finish(self, product_id: int) -> None:
        self.release.setdefault(product_id, asyncio.Event()).set()


def context(ids: list[int], checkpoint: dict[str, Any] | None = None) -> JobContext:
    job = Job(
        id="j" * 32,
        type=ICON_JOB.name,
        params={"product_ids": ids, "provider": "local", "batch": True},
        checkpoint=checkpoint,
        report=None,
        total=0,
        done=0,
        failed=0,
        skipped=0,
    )
    return JobContext(job, None)  # type: ignore[arg-type]  # the scripted service needs no DB


def typed(ctx: JobContext) -> IconJob:
    return TypedJob(ctx, ICON_JOB)


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_pool_keeps_slots_busy_and_checkpoints_in_order() -> None:
    service = ScriptedService(width=2)
    ctx = context([10, 20, 30, 40])
    run = asyncio.create_task(run_icon_job(typed(ctx), service))  # type: ignore[arg-type]
    await settle()
    assert service.started == [10, 20]
    service.finish(20)  # the second finishes first: its slot takes the next product at once
    await settle()
    assert service.started == [10, 20, 30]
    assert ctx.checkpoint is not None
    assert (ctx.checkpoint["next"], ctx.checkpoint["ahead"]) == (0, [1])

    ctx.request_stop(StopReason.requested)
    service.finish(10)
    service.finish(30)
    report = await asyncio.wait_for(run, 5)
    assert service.started == [10, 20, 30]  # nothing new after the stop
    assert (ctx.checkpoint["next"], ctx.checkpoint["ahead"]) == (3, [])
    assert report.generated == 3
    assert sorted(i["product_id"] for i in report.items) == [10, 20, 30]

    resumed = context([10, 20, 30, 40], ctx.checkpoint)
    service.finish(40)
    final = await asyncio.wait_for(run_icon_job(typed(resumed), service), 5)  # type: ignore[arg-type]
    assert service.started == [10, 20, 30, 40]
    assert final.generated == 4
    assert resumed.counters.done == 1


async def test_resume_after_a_crash_skips_products_finished_out_of_order() -> None:
    service = ScriptedService(width=2)
    for product_id in (10, 30, 40):
        service.finish(product_id)
    ctx = context([10, 20, 30, 40], {"next": 0, "ahead": [1], "report": None})
    report = await asyncio.wait_for(run_icon_job(typed(ctx), service), 5)  # type: ignore[arg-type]
    assert sorted(service.started) == [10, 30, 40]
    assert report.generated == 3
