"""Posting an alert to ALERT_WEBHOOK_URL: a chat's incoming webhook (Slack, Mattermost and
Rocket.Chat read `text`) or any tool that takes JSON (it reads `alert`)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging

import httpx
import orjson

from product_dashboard.alerting.notices import Notice
from product_dashboard.kit.log_fields import log_fields
from product_dashboard.shopify.tls import client_tls_context

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Dashboard-Signature"
TIMEOUT_SECONDS = 10.0
ATTEMPTS = 4
FIRST_RETRY_SECONDS = 2.0


def body_of(notice: Notice) -> bytes:
    icon = "🔴" if notice.severity == "critical" else "🟠"
    return orjson.dumps(
        {
            "text": f"{icon} Product Dashboard: {notice.message}",
            "alert": notice.model_dump(mode="json"),
        }
    )


def signature(secret: str, body: bytes) -> str:
    """Base64 of the body's HMAC-SHA256 under ALERT_WEBHOOK_SECRET, as Shopify signs its own."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class WebhookDelivery:
    """Posts each alert, one at a time, tried again on a network error or a 5xx/429 answer."""

    def __init__(
        self,
        url: str,
        secret: str | None = None,
        *,
        first_retry_seconds: float = FIRST_RETRY_SECONDS,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = url
        self.secret = secret
        self.first_retry_seconds = first_retry_seconds
        self._http = http or httpx.AsyncClient(
            timeout=TIMEOUT_SECONDS, verify=client_tls_context(), follow_redirects=False
        )

    async def close(self) -> None:
        await self._http.aclose()

    async def send(self, notice: Notice) -> bool:
        """True once the endpoint took it; False (logged) after the last attempt."""
        body = body_of(notice)
        headers = {"content-type": "application/json"}
        if self.secret:
            headers[SIGNATURE_HEADER] = signature(self.secret, body)
        delay = self.first_retry_seconds
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = await self._http.post(self.url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if response.is_success:
                    return True
                problem = f"HTTP {response.status_code}"
                if response.status_code < 500 and response.status_code != 429:
                    break  # the endpoint refuses this body: sending it again changes nothing
            if attempt < ATTEMPTS:
                await asyncio.sleep(delay)
                delay *= 4
        logger.error(
            "alert not delivered to ALERT_WEBHOOK_URL: %s",
            problem,
            extra=log_fields(alert=notice.kind, reason=problem),
        )
        return False
