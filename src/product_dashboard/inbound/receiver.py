"""`POST /webhooks/shopify`: verify, store once, answer. Processing happens after the answer.

The event is committed before the 200 goes out, so an acknowledged delivery is never lost; a
delivery whose X-Shopify-Webhook-Id is already stored gets 200 and changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from product_dashboard.inbound import signing
from product_dashboard.inbound.dependencies import InboundDep
from product_dashboard.inbound.payloads import resource_gid
from product_dashboard.kit.time import utcnow

router = APIRouter(tags=["webhooks"])

WEBHOOK_PATH = "/webhooks/shopify"
MAX_BODY_BYTES = 5 * 1024 * 1024  # enforced by kit.body_limit before the body is read


def _error(status: int, kind: str, detail: str) -> JSONResponse:
    return JSONResponse({"error": kind, "detail": detail, "fields": []}, status_code=status)


@router.post(
    WEBHOOK_PATH,
    summary="Receive a Shopify webhook (HMAC-verified, stored durably, de-duplicated)",
    responses={401: {"description": "Bad or missing signature; nothing stored"}},
)
async def receive_shopify_webhook(request: Request, inbound: InboundDep) -> JSONResponse:
    started = time.perf_counter()
    metrics = inbound.metrics
    metrics.received += 1
    body = await request.body()
    headers = request.headers
    if not signing.verify(inbound.secret, body, headers.get("x-shopify-hmac-sha256")):
        metrics.refused += 1
        return _error(401, "unauthorized", "Invalid or missing X-Shopify-Hmac-Sha256 signature.")
    topic = (headers.get("x-shopify-topic") or "").strip().lower()
    if not topic:
        metrics.rejected += 1
        return _error(400, "bad_request", "Missing X-Shopify-Topic header.")
    try:
        text = body.decode("utf-8")
        payload = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        metrics.rejected += 1
        return _error(400, "bad_request", "Body is not UTF-8 JSON.")
    webhook_id = headers.get("x-shopify-webhook-id") or (
        "sha256:" + hashlib.sha256(topic.encode() + b"\n" + body).hexdigest()
    )
    values = {
        "webhook_id": webhook_id[:128],
        "event_id": (headers.get("x-shopify-event-id") or None),
        "topic": topic[:64],
        "shop_domain": headers.get("x-shopify-shop-domain"),
        "api_version": headers.get("x-shopify-api-version"),
        "triggered_at": headers.get("x-shopify-triggered-at"),
        "resource_id": resource_gid(topic, payload) if isinstance(payload, dict) else None,
        "body": text,
        "received_at": utcnow(),
        "next_attempt_at": utcnow(),
    }
    storing = time.perf_counter()
    stored = await inbound.store(values)
    if stored:
        metrics.accepted += 1
    else:
        metrics.duplicates += 1
    done = time.perf_counter()
    metrics.record_ack((done - started) * 1000, (done - storing) * 1000)
    return JSONResponse({"ok": True, "duplicate": not stored, "webhook_id": webhook_id})
