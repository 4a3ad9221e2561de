"""Sync with Shopify: push (local → Shopify, `sync/push/`), pull (Shopify → local, `sync/pull/`)."""

from __future__ import annotations

from fastapi import FastAPI

from product_dashboard.config import Settings
from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.store_gateway import StoreGateway
from product_dashboard.sync import jobs, undo
from product_dashboard.sync.pull import job as pull_job
from product_dashboard.sync.runtime import SyncRuntime
from product_dashboard.sync.safety import settings_rules

__all__ = ["install"]


def install(app: FastAPI, settings: Settings, gateway: StoreGateway) -> SyncRuntime:
    """Create the app's sync runtime and register the sync job handlers on its runner."""
    runtime = SyncRuntime(app=app, settings=settings, gateway=gateway, bus=app.state.event_bus)
    app.state.sync_runtime = runtime
    jobs.register(app.state.job_runner, runtime)
    undo.register(app.state.job_runner)
    bus = app.state.event_bus
    rules = settings_rules(settings)
    pull_job.register(app.state.job_runner, gateway.client, ConflictEvents(bus), bus, rules)
    return runtime
