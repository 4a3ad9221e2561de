"""The app's alert notifier, wired to its bus, its sync runs and ALERT_WEBHOOK_URL."""

from __future__ import annotations

from fastapi import FastAPI

from product_dashboard.alerting import store
from product_dashboard.alerting.delivery import WebhookDelivery
from product_dashboard.alerting.notices import Notice
from product_dashboard.alerting.notifier import AlertNotifier
from product_dashboard.config import Settings
from product_dashboard.sync import service as sync_service
from product_dashboard.sync.schemas import Alert


def install(app: FastAPI, settings: Settings) -> AlertNotifier:
    """Needs `app.state.sync_runtime` (sync's install) and, once started, `app.state.sessionmaker`;
    started and closed by the lifespan."""
    runtime = app.state.sync_runtime

    async def run_alerts(job_id: str) -> list[Alert]:
        async with app.state.sessionmaker() as session:
            return await sync_service.run_alerts(session, runtime, job_id)

    async def keep(notice: Notice) -> int:
        return await store.keep(app.state.sessionmaker, notice)

    async def settle(job_id: str) -> int:
        return await store.settle_held(app.state.sessionmaker, job_id)

    delivery = None
    if settings.alert_webhook_url:
        delivery = WebhookDelivery(settings.alert_webhook_url, settings.alert_webhook_secret)
    return AlertNotifier(app.state.event_bus, run_alerts, delivery, keep=keep, settle=settle)
