"""The `sync.push` job: a durable, stoppable, resumable push run by the job runner.

Stop: no new request starts, in-flight ones finish and are recorded, the watermark is saved.
Resume (or recovery after a crash): the push continues after the saved watermark; products past
it that had already reached Shopify are pushed again by id or handle, which updates them in place.
"""

from __future__ import annotations

import time
from typing import Any

from product_dashboard.eventstream.bus import SYNC
from product_dashboard.job import JobContext, JobRunner
from product_dashboard.sync.metrics import LiveMetrics
from product_dashboard.sync.push.bulk import BulkStatus
from product_dashboard.sync.push.engine import PushEngine, PushHooks
from product_dashboard.sync.push.modes import PushMode
from product_dashboard.sync.push.planner import PushScope
from product_dashboard.sync.push.progress import Tally
from product_dashboard.sync.runtime import SyncRuntime

PUSH_JOB = "sync.push"
EVENT_INTERVAL = 0.25  # at most four progress events a second per job
MAX_RUNS_KEPT = 20


class JobPushHooks(PushHooks):
    """Feeds the engine's progress into the job's counters, checkpoint, events and metrics."""

    def __init__(self, ctx: JobContext, runtime: SyncRuntime, live: LiveMetrics) -> None:
        self.ctx = ctx
        self.runtime = runtime
        self.live = live
        self.engine: PushEngine | None = None
        counters = ctx.counters
        self.base = (counters.done, counters.failed, counters.skipped)
        self.resumed = ctx.checkpoint is not None
        self.checkpoint: dict[str, Any] = dict(ctx.checkpoint or {})
        self._last_event = 0.0

    def should_stop(self) -> bool:
        return self.ctx.should_stop

    async def on_start(self, total: int, mode: PushMode) -> None:
        self.live.mode = mode.value
        self.checkpoint["mode"] = mode.value
        processed = sum(self.base)
        await self.ctx.progress(total=processed + total)
        await self._save(self.checkpoint.get("after_id", 0))
        self._publish("sync.started", force=True)

    async def on_progress(self, tally: Tally, watermark: int, workers: int) -> None:
        if self.engine is not None:
            counts = {
                "pushed": tally.pushed,
                "deleted": tally.deleted,
                "failed": tally.failed,
                "skipped": tally.skipped,
            }
            self.live.update(self.engine.client.stats, workers, counts)
        done, failed, skipped = self.base
        await self.ctx.progress(
            done=done + tally.done,
            failed=failed + tally.failed,
            skipped=skipped + tally.skipped,
            checkpoint=self._next_checkpoint(watermark),
        )
        self._publish("sync.progress")

    async def on_bulk_status(self, status: BulkStatus) -> None:
        self.checkpoint["bulk"] = status.as_dict()
        await self._save(self.checkpoint.get("after_id", 0))
        self._publish("sync.bulk", force=status.status != "RUNNING")

    async def _save(self, watermark: int) -> None:
        await self.ctx.save_checkpoint(self._next_checkpoint(watermark))

    def _next_checkpoint(self, watermark: int) -> dict[str, Any]:
        self.checkpoint["after_id"] = watermark
        self.checkpoint["metrics"] = self.live.as_dict()
        return dict(self.checkpoint)

    def _publish(self, event_type: str, *, force: bool = False) -> None:
        now = time.monotonic()
        bus = self.runtime.bus
        if bus is None or (not force and now - self._last_event < EVENT_INTERVAL):
            return
        self._last_event = now
        counters = self.ctx.counters
        bus.publish(
            SYNC,
            event_type,
            {
                "job_id": self.ctx.job_id,
                "direction": "push",
                "progress": counters.model_dump(),
                "metrics": self.live.as_dict(),
                "bulk": self.checkpoint.get("bulk"),
                "eta_seconds": self.ctx.eta_seconds(),
            },
        )


def push_handler(runtime: SyncRuntime) -> Any:
    async def handle(ctx: JobContext) -> dict[str, Any]:
        params = ctx.params
        scope = PushScope.from_params(params)
        checkpoint = ctx.checkpoint or {}
        # A resumed auto push keeps the mode it chose the first time.
        mode = PushMode(checkpoint.get("mode") or params.get("mode") or PushMode.auto)
        live = LiveMetrics()
        runtime.live[ctx.job_id] = live
        hooks = JobPushHooks(ctx, runtime, live)
        try:
            async with runtime.gateway.client() as client:
                live.attach(client.stats)
                engine = PushEngine(
                    runtime.sessionmaker,
                    client,
                    dialect=runtime.dialect,
                    config=runtime.push_config(),
                    hooks=hooks,
                )
                hooks.engine = engine
                report = await engine.run(scope, mode, int(checkpoint.get("after_id", 0)))
        finally:
            live.finish()
            runtime.live.pop(ctx.job_id, None)
        hooks._publish("sync.finished", force=True)
        runs = [*list(ctx.report.get("runs") or [])[-(MAX_RUNS_KEPT - 1) :], report.as_dict()]
        return {
            "direction": "push",
            "mode": report.mode,
            "runs": runs,
            "metrics": _overall(runs),
            "errors": report.errors,
        }

    return handle


def _overall(runs: list[dict[str, Any]]) -> dict[str, Any]:
    seconds = sum(float(r["seconds"]) for r in runs)
    handled = sum(
        int(r["pushed"]) + int(r["deleted"]) + int(r["failed"]) + int(r["skipped"]) for r in runs
    )
    last = runs[-1]
    return {
        "mode": last["mode"],
        "seconds": round(seconds, 3),
        "products_per_second": round(handled / seconds, 2) if seconds > 0 else 0.0,
        "api_calls": sum(int(r["api_calls"]) for r in runs),
        "cost_points": sum(int(r["cost_points"]) for r in runs),
        "throttled_responses": sum(int(r["throttled"]) for r in runs),
        "retries": sum(int(r["retries"]) for r in runs),
        "workers": 0,
        "workers_min": min(int(r["workers_min"]) for r in runs),
        "workers_max": max(int(r["workers_max"]) for r in runs),
        "latency_ms": last.get("latency_ms"),
        "pushed": sum(int(r["pushed"]) for r in runs),
        "deleted": sum(int(r["deleted"]) for r in runs),
        "failed": sum(int(r["failed"]) for r in runs),
        "skipped": sum(int(r["skipped"]) for r in runs),
    }


def register(runner: JobRunner, runtime: SyncRuntime) -> None:
    runner.register(PUSH_JOB, push_handler(runtime), concurrency=1)
