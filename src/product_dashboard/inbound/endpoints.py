"""`/api/webhooks/*`: status, metrics, the event log, replay, and a signed test delivery."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

import httpx
from fastapi import APIRouter, Query, Request

from product_dashboard.audit import service as audit
from product_dashboard.audit.service import Actor
from product_dashboard.auth.dependencies import AdminPrincipal, CurrentPrincipal, WriterPrincipal
from product_dashboard.db import SessionDep
from product_dashboard.exceptions import Conflict, NotFound
from product_dashboard.inbound import signing
from product_dashboard.inbound.dependencies import InboundDep
from product_dashboard.inbound.repository import WebhookEventRepository
from product_dashboard.inbound.sample import (
    TEST_SHOP_DOMAIN,
    TEST_WEBHOOK_PREFIX,
    sample_product_payload,
)
from product_dashboard.inbound.schemas import (
    AckLatency,
    AckPhases,
    WebhookEventRead,
    WebhookMetrics,
    WebhookStateLiteral,
    WebhookStatus,
    WebhookTestRequest,
    WebhookTestResult,
)
from product_dashboard.kit.pagination import EntityId, Page, PaginationDep
from product_dashboard.models import WebhookState
from product_dashboard.models.webhook_event import PRUNED_BODY

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"])


@router.get("/status", response_model=WebhookStatus)
async def webhook_status(
    inbound: InboundDep, session: SessionDep, _: CurrentPrincipal
) -> WebhookStatus:
    repo = WebhookEventRepository(session)
    counts = await repo.counts_by_state()
    reconciler = inbound.reconciler
    return WebhookStatus(
        receiving=bool(inbound.secret),
        processing=inbound.processor is not None and inbound.processor.running,
        pending=counts.get("pending", 0) + counts.get("processing", 0) + inbound.spooled,
        failed=await repo.retrying(),
        dead=counts.get("dead", 0),
        last_received_at=await repo.last_received_at(),
        registration=dict(inbound.registration),
        reconciliation=(
            {
                "interval_seconds": reconciler.interval,
                "last_run": reconciler.last_run,
            }
            if reconciler is not None
            else None
        ),
    )


@router.get("/metrics", response_model=WebhookMetrics)
async def webhook_metrics(
    inbound: InboundDep, session: SessionDep, _: CurrentPrincipal
) -> WebhookMetrics:
    m = inbound.metrics
    repo = WebhookEventRepository(session)
    counts = await repo.counts_by_state()
    return WebhookMetrics(
        received=m.received,
        accepted=m.accepted,
        refused=m.refused,
        duplicates=m.duplicates,
        rejected=m.rejected,
        spooled=m.spooled,
        processed=counts.get("processed", 0) + counts.get("ignored", 0),
        failed=await repo.retrying(),
        dead=counts.get("dead", 0),
        pending=counts.get("pending", 0) + counts.get("processing", 0) + inbound.spooled,
        outcomes=await repo.outcomes(),
        ack_latency=AckLatency.model_validate(m.latency()),
        ack_phases=AckPhases.model_validate(m.phases()),
    )


@router.get("/events", response_model=Page[WebhookEventRead])
async def list_webhook_events(
    session: SessionDep,
    _: CurrentPrincipal,
    pagination: PaginationDep,
    topic: Annotated[str | None, Query(max_length=64, examples=["products/update"])] = None,
    state: Annotated[list[WebhookStateLiteral] | None, Query()] = None,
    resource_id: Annotated[str | None, Query(max_length=128)] = None,
) -> Page[WebhookEventRead]:
    rows, total = await WebhookEventRepository(session).list(
        topic=topic,
        states=state,
        resource_id=resource_id,
        offset=pagination.offset,
        limit=pagination.per_page,
    )
    return Page(
        items=[WebhookEventRead.of(r) for r in rows],
        total=total,
        page=pagination.page,
        per_page=pagination.per_page,
    )


@router.post("/events/{event_id:int}/replay", response_model=WebhookEventRead)
async def replay_webhook_event(
    inbound: InboundDep, session: SessionDep, _: WriterPrincipal, event_id: EntityId
) -> WebhookEventRead:
    """Process a dead (or already processed) event again."""
    repo = WebhookEventRepository(session)
    event = await repo.get(event_id)
    if event is None:
        raise NotFound(f"Webhook event {event_id} does not exist.")
    if event.state in (WebhookState.pending.value, WebhookState.processing.value):
        raise Conflict(f"Webhook event {event_id} is {event.state} already.")
    if event.body == PRUNED_BODY:
        raise Conflict(
            f"Webhook event {event_id} cannot be replayed: its body was pruned "
            "(RETENTION_WEBHOOK_BODY_DAYS)."
        )
    await repo.replay(event_id)
    await session.commit()
    await session.refresh(event)
    if inbound.processor is not None:
        inbound.processor.wake()
    return WebhookEventRead.of(event)


@router.post("/test", response_model=WebhookTestResult)
async def send_test_webhook(
    request: Request,
    inbound: InboundDep,
    session: SessionDep,
    principal: AdminPrincipal,
    body: WebhookTestRequest | None = None,
) -> WebhookTestResult:
    """Send a correctly signed test delivery through the real receiving endpoint.

    It is verified, stored and processed like Shopify's, but its sample product is only read:
    the catalog, the product links and the store are never touched. The sender is audited.
    """
    if not inbound.secret:
        raise Conflict("SHOPIFY_WEBHOOK_SECRET is not set: deliveries cannot be verified.")
    body = body or WebhookTestRequest()
    raw = json.dumps(sample_product_payload(), separators=(",", ":")).encode()
    webhook_id = f"{TEST_WEBHOOK_PREFIX}{uuid.uuid4()}"
    audit.record(
        session,
        Actor.for_user(principal.user),
        entity_type="webhook_event",
        entity_id=webhook_id,
        action="test_sent",
        before=None,
        after={"topic": body.topic},
    )
    await session.commit()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": body.topic,
        "X-Shopify-Hmac-Sha256": signing.sign(inbound.secret, raw),
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Shop-Domain": TEST_SHOP_DOMAIN,
        "X-Shopify-API-Version": inbound.settings.shopify_api_version,
        "X-Shopify-Event-Id": webhook_id,
    }
    # Through the app's full HTTP stack (middleware, routing, receiver), in-process.
    transport = httpx.ASGITransport(app=request.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://self-test") as client:
        response = await client.post("/webhooks/shopify", content=raw, headers=headers)
    answer = (
        response.json()
        if response.headers.get("content-type", "").startswith("application/json")
        else {}
    )
    event = await WebhookEventRepository(session).by_webhook_id(webhook_id)
    return WebhookTestResult(
        status_code=response.status_code,
        webhook_id=webhook_id,
        accepted=response.status_code == 200,
        duplicate=bool(answer.get("duplicate")),
        event=WebhookEventRead.of(event) if event is not None else None,
    )
