"""The `sync.pull` job: a PullEngine run driven by a JobContext (progress, checkpoint, stop).

runner.submit(PULL_JOB, {"kind": "auto" | "full" | "incremental", "mode": "bulk"?,
                         "since": iso?, "remote_deletions": "apply" | "report"?,
                         "force_deletions": bool?})
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.eventstream.bus import SYNC, EventBus
from product_dashboard.job.context import JobContext
from product_dashboard.job.runner import JobRunner
from product_dashboard.shopify.bulk import BulkOperation
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.sync.pull.apply import ChunkResult
from product_dashboard.sync.pull.engine import PullEngine, PullHooks, PullParams

PULL_JOB = "sync.pull"

ClientFactory = Callable[[], ShopifyClient]


class JobHooks(PullHooks):
    def __init__(self, ctx: JobContext, bus: EventBus | None) -> None:
        self.ctx = ctx
        self.bus = bus
        self.bulk: dict[str, Any] | None = (ctx.checkpoint or {}).get("bulk")

    def should_stop(self) -> bool:
        return self.ctx.should_stop

    async def on_total(self, total: int) -> None:
        await self.ctx.progress(total=total)

    async def on_chunk(self, result: ChunkResult, checkpoint: dict[str, Any]) -> None:
        done, skipped, failed = result.counts()
        await self.ctx.advance(
            done=done, skipped=skipped, failed=failed, checkpoint={**checkpoint, "bulk": self.bulk}
        )

    async def on_checkpoint(self, checkpoint: dict[str, Any], *, flush: bool = False) -> None:
        # `bulk` (Shopify's view of the export) is what the sync status and bulk APIs show.
        await self.ctx.save_checkpoint({**checkpoint, "bulk": self.bulk})
        if flush:
            await self.ctx.flush()

    async def on_bulk_status(self, operation: BulkOperation) -> None:
        self.bulk = {
            "shopify_id": operation.id,
            "status": operation.status,
            "object_count": operation.object_count,
            "root_object_count": operation.root_object_count,
            "error_code": operation.error_code,
        }
        await self.ctx.save_checkpoint({**(self.ctx.checkpoint or {}), "bulk": self.bulk})
        if self.bus is not None:
            self.bus.publish(
                SYNC,
                "sync.pull.bulk",
                {
                    "job_id": self.ctx.job_id,
                    "operation_id": operation.id,
                    "status": operation.status,
                    "object_count": operation.object_count,
                },
            )


def make_handler(
    clients: ClientFactory, events: ConflictEvents, bus: EventBus | None
) -> Callable[[JobContext], Any]:
    async def handle(ctx: JobContext) -> dict[str, Any]:
        params = PullParams.from_params(ctx.params)
        async with clients() as client:
            engine = PullEngine(ctx.session, client, events, hooks=JobHooks(ctx, bus))
            report = await engine.run(params, ctx.checkpoint)
        result = report.as_dict()
        result["mode"] = report.source
        result["metrics"] = {
            "mode": report.source,
            "products_per_second": result["products_per_second"],
            "api_calls": report.api_calls,
            "cost_points": report.cost_points,
            "throttled_responses": report.throttled,
            "workers": 1,
            "workers_min": 1,
            "workers_max": 1,
            "seconds": result["seconds"],
        }
        if bus is not None and not report.stopped:
            bus.publish(SYNC, "sync.pull.finished", {"job_id": ctx.job_id, **_summary(result)})
        return result

    return handle


def _summary(report: dict[str, Any]) -> dict[str, Any]:
    keys = ("kind", "seen", "created", "updated", "conflicts_opened", "unchanged", "failed")
    return {k: report[k] for k in keys}


def register(
    runner: JobRunner, clients: ClientFactory, events: ConflictEvents, bus: EventBus | None
) -> None:
    """Register `sync.pull` (one pull at a time per process); `clients` is the store gateway's."""
    runner.register(PULL_JOB, make_handler(clients, events, bus), concurrency=1)
