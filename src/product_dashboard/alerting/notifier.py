"""Turns what the app publishes on its event bus into alerts, and sends each where it is seen."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter
from pydantic import ValidationError

from product_dashboard.alerting import notices
from product_dashboard.alerting.delivery import WebhookDelivery
from product_dashboard.alerting.notices import Notice
from product_dashboard.backup.scheduled import BACKUP_FAILED
from product_dashboard.eventstream import JOBS, SYSTEM, WEBHOOKS, Event, EventBus, Subscription
from product_dashboard.job.schemas import JobSummary
from product_dashboard.kit.log_fields import log_fields
from product_dashboard.sync.schemas import Alert

logger = logging.getLogger(__name__)

ALERTS = Counter("dashboard_alerts", "Alerts raised, by kind.", ["kind"])

ALERT_EVENT = "alert"
# Published once acknowledgements commit, so every open page's count follows.
ACKNOWLEDGED_EVENT = "alert.acknowledged"
SYNC_RUNS = frozenset({"sync.push", "sync.pull"})
WEBHOOK_WINDOW_SECONDS = 600.0  # webhook events given up on: at most one alert in this window
DELIVERY_QUEUE = 100
# Alerts waiting to be stored (each then shown and posted): a burst's, while the database is slow.
KEEP_QUEUE = 1_000
KEEP_AT_CLOSE_SECONDS = 15.0  # what waits when the app stops is stored, for this long at most
# Webhook events come by the thousand in a drain: their own queue, so none crowds out a job's end.
WEBHOOK_EVENTS_QUEUE = 10_000

RunAlerts = Callable[[str], Awaitable[list[Alert]]]
Keep = Callable[[Notice], Awaitable[int]]  # stores an alert (its own transaction); its id
# Acknowledges a decided job's "held" alerts (its own transaction); how many.
Settle = Callable[[str], Awaitable[int]]
# A job leaves `awaiting_approval` only by a decision: queued (approved) or stopped (rejected).
DECIDED_EVENTS = frozenset({"job.queued", "job.stopped"})


@dataclass(frozen=True, slots=True)
class _Decided:
    """A job that may have been decided: its held alerts are settled in turn with the alerts
    waiting to be kept, so one raised just before is stored first."""

    job_id: str


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


class _DeadWebhooks:
    """Events given up on, told at once and then at most once a window, counted meanwhile."""

    def __init__(self, emit: Callable[[Notice], None], window: float) -> None:
        self.emit = emit
        self.window = window
        self.count = 0
        self.topic = ""
        self.error = ""
        self._quiet_until = 0.0
        self._flush: asyncio.TimerHandle | None = None

    def add(self, topic: str, error: str) -> None:
        self.count += 1
        self.topic, self.error = topic, error
        loop = asyncio.get_running_loop()
        if loop.time() >= self._quiet_until:
            self.flush()
        elif self._flush is None:
            self._flush = loop.call_at(self._quiet_until, self.flush)

    def flush(self) -> None:
        self._flush = None
        if self.count:
            self.emit(notices.webhooks_dead(self.count, self.topic, self.error))
            self.count = 0
            self._quiet_until = asyncio.get_running_loop().time() + self.window

    def cancel(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None


class AlertNotifier:
    """Watches jobs, webhooks and backups; each alert is logged, counted (`dashboard_alerts`),
    kept in the database (`keep`) for pages opened later, published on the `system` channel for
    open pages, and posted to ALERT_WEBHOOK_URL if set."""

    def __init__(
        self,
        bus: EventBus,
        run_alerts: RunAlerts,
        delivery: WebhookDelivery | None = None,
        *,
        keep: Keep | None = None,
        settle: Settle | None = None,
        webhook_window: float = WEBHOOK_WINDOW_SECONDS,
    ) -> None:
        self.bus = bus
        self.run_alerts = run_alerts
        self.delivery = delivery
        self.keep = keep
        self.settle = settle
        self.dead_webhooks = _DeadWebhooks(self.emit, webhook_window)
        self._to_keep: asyncio.Queue[Notice | _Decided] = asyncio.Queue(KEEP_QUEUE)
        self._outbox: asyncio.Queue[Notice] = asyncio.Queue(DELIVERY_QUEUE)
        self._subscriptions: list[Subscription] = []
        self._watchers: list[asyncio.Task[None]] = []
        self._keeper: asyncio.Task[None] | None = None
        self._delivering: list[asyncio.Task[None]] = []

    def start(self) -> None:
        jobs = self.bus.subscribe((JOBS, SYSTEM))
        webhooks = self.bus.subscribe((WEBHOOKS,), maxsize=WEBHOOK_EVENTS_QUEUE)
        self._subscriptions = [jobs, webhooks]
        self._watchers = [
            asyncio.create_task(self._watch(jobs), name="alerts-jobs"),
            asyncio.create_task(self._watch(webhooks), name="alerts-webhooks"),
        ]
        self._keeper = asyncio.create_task(self._keep_each(), name="alerts-keep")
        if self.delivery is not None:
            self._delivering = [asyncio.create_task(self._deliver(), name="alerts-delivery")]

    async def close(self) -> None:
        self.dead_webhooks.cancel()
        for subscription in self._subscriptions:
            subscription.close()
        await _cancel(self._watchers)
        if self._keeper is not None:
            # Alerts raised as the app stops are kept all the same (then shown, posted if they can).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._to_keep.join(), KEEP_AT_CLOSE_SECONDS)
            await _cancel([self._keeper])
        await _cancel(self._delivering)
        if self.delivery is not None:
            await self.delivery.close()

    def emit(self, notice: Notice) -> None:
        ALERTS.labels(kind=notice.kind).inc()
        log = logger.error if notice.severity == notices.Severity.critical else logger.warning
        # A job is named in the message, not as a `job=` field: `grep job=<id>` finds the job's
        # own lines, its failure logged once, by the runner.
        log("alert: %s", notice.message, extra=log_fields(alert=notice.kind))
        try:
            self._to_keep.put_nowait(notice)
        except asyncio.QueueFull:
            logger.error("alert not kept: %d alerts already wait to be stored", KEEP_QUEUE)
            self._send(notice, None)

    async def _keep_each(self) -> None:
        while True:
            item = await self._to_keep.get()
            try:
                if isinstance(item, _Decided):
                    await self._settle_one(item.job_id)
                else:
                    await self._keep_one(item)
            finally:
                self._to_keep.task_done()

    async def _keep_one(self, notice: Notice) -> None:
        """Stored before it is shown: a page that hears of it then counts it in the table."""
        alert_id = None
        if self.keep is not None:
            try:
                alert_id = await self.keep(notice)
            except Exception:  # the alert is still logged, shown and posted
                logger.exception("alert not kept in the database: %s", notice.message)
        self._send(notice, alert_id)

    async def _settle_one(self, job_id: str) -> None:
        if self.settle is None:
            return
        try:
            settled = await self.settle(job_id)
        except Exception:
            logger.exception("the held alerts of job %s could not be settled", job_id)
            return
        if settled:
            self.bus.publish(SYSTEM, ACKNOWLEDGED_EVENT, {"count": settled, "job_id": job_id})

    def _send(self, notice: Notice, alert_id: int | None) -> None:
        self.bus.publish(SYSTEM, ALERT_EVENT, {**notice.model_dump(mode="json"), "id": alert_id})
        if self.delivery is not None:
            try:
                self._outbox.put_nowait(notice)
            except asyncio.QueueFull:
                logger.error("alert not posted: %d alerts already wait", DELIVERY_QUEUE)

    async def _watch(self, subscription: Subscription) -> None:
        async for event in subscription:
            try:
                await self._handle(event)
            except Exception:  # one bad event must not end the alerts
                logger.exception("could not raise the alerts of %s %s", event.channel, event.type)

    async def _handle(self, event: Event) -> None:
        if event.channel == JOBS:
            await self._job_event(event.type, event.data)
        elif event.channel == WEBHOOKS and event.type == "webhook.dead":
            self.dead_webhooks.add(
                str(event.data.get("topic", "")), str(event.data.get("error") or "")
            )
        elif event.channel == SYSTEM and event.type == BACKUP_FAILED:
            self.emit(notices.backup_failed(str(event.data.get("reason") or "")))

    async def _job_event(self, type: str, data: dict[str, Any]) -> None:
        if type in DECIDED_EVENTS:
            job_id = data.get("id")
            if isinstance(job_id, str) and self.settle is not None:
                with contextlib.suppress(asyncio.QueueFull):  # then left to acknowledge by hand
                    self._to_keep.put_nowait(_Decided(job_id))
            return
        if type not in ("job.failed", "job.awaiting_approval", "job.completed"):
            return
        try:
            job = JobSummary.model_validate(data)
        except ValidationError:
            logger.warning("a %s event without a job's summary", type)
            return
        if type == "job.failed":
            self.emit(notices.job_failed(job))
        elif type == "job.awaiting_approval":
            self.emit(notices.job_held(job))
        elif job.type in SYNC_RUNS:
            for alert in await self.run_alerts(job.id):
                self.emit(notices.run_alert(job, alert))

    async def _deliver(self) -> None:
        assert self.delivery is not None
        while True:
            notice = await self._outbox.get()
            await self.delivery.send(notice)
