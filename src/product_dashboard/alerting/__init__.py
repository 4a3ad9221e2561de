"""Alerts that reach people: what goes wrong while nobody watches the dashboard (a job failed or
held for approval, a sync run's figures gone bad, webhook events given up on, a backup failed) is
logged, counted on `/metrics`, shown on every open page and, when `ALERT_WEBHOOK_URL` is set,
posted to a chat or incident tool."""

from product_dashboard.alerting.install import install
from product_dashboard.alerting.notices import Notice
from product_dashboard.alerting.notifier import AlertNotifier

__all__ = ["AlertNotifier", "Notice", "install"]
