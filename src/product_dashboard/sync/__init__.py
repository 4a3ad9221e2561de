"""Sync with Shopify: push (local → Shopify) now, with a seam for pull (`sync/pull/`) next."""

from __future__ import annotations

from fastapi import FastAPI

from product_dashboard.config import Settings
from product_dashboard.sync import jobs
from product_dashboard.sync.runtime import SyncRuntime

__all__ = ["install"]


def install(app: FastAPI, settings: Settings) -> SyncRuntime:
    """Create the app's sync runtime and register the sync job handlers on its runner."""
    runtime = SyncRuntime(app=app, settings=settings, bus=app.state.event_bus)
    app.state.sync_runtime = runtime
    jobs.register(app.state.job_runner, runtime)
    return runtime
