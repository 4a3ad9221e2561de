"""Helpers for the webhooks, bulk and staged-upload tests (Shopify's schema: conftest)."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLSchema
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import ASGIApp

from shopify_emulator.webhooks import verify_signature
from tests.fixtures.server import serve_in_thread

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_SHOPIFY = REPO_ROOT.parent / "shared" / "shopify"


def _shared_file(env_var: str, name: str) -> Path:
    path = Path(os.environ.get(env_var, SHARED_SHOPIFY / name))
    if not path.is_absolute():
        path = REPO_ROOT / path
    if not path.exists():
        pytest.skip(f"{name} not found at {path} (set {env_var})")
    return path


def webhook_sample_path() -> Path:
    return _shared_file("SHOPIFY_WEBHOOK_SAMPLE", "webhook-products-update.sample.json")


def serve_app(app: ASGIApp) -> AbstractContextManager[str]:
    """Run `app` with uvicorn on a free loopback port in a thread; yield its base URL."""
    return serve_in_thread(app, lifespan="off")


def free_port_url() -> str:
    """A loopback URL on which nothing listens (for connection-refused cases)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    hmac_ok: bool


@dataclass
class WebhookReceiver:
    """A loopback webhook endpoint that records deliveries and can misbehave on purpose.

    `fail_first` answers 500 to the first N attempts of each webhook id; `slow_first` sleeps
    `slow_seconds` on the first N attempts of each webhook id (to trigger sender timeouts).
    """

    secret: str
    fail_first: int = 0
    always_fail: bool = False
    slow_first: int = 0
    slow_seconds: float = 0.0
    received: list[Received] = field(default_factory=list)
    attempts_by_webhook: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])

    async def _hook(self, request: Request) -> PlainTextResponse:
        body = await request.body()
        webhook_id = request.headers.get("x-shopify-webhook-id", "")
        with self._lock:
            seen = self.attempts_by_webhook.get(webhook_id, 0)
            self.attempts_by_webhook[webhook_id] = seen + 1
        if seen < self.slow_first:
            await asyncio.sleep(self.slow_seconds)
        if self.always_fail or seen < self.fail_first:
            return PlainTextResponse("nope", status_code=500)
        hmac_ok = verify_signature(
            self.secret, body, request.headers.get("x-shopify-hmac-sha256", "")
        )
        with self._lock:
            self.received.append(Received(dict(request.headers), body, hmac_ok))
        return PlainTextResponse("ok")


def graphql_result(schema: GraphQLSchema, document: str, root: dict[str, Any]) -> dict[str, Any]:
    """Execute `document` over plain dicts with graphql-core's default resolvers."""
    from graphql import graphql_sync

    result = graphql_sync(schema, document, root_value=root, variable_values={"id": "gid://x/1"})
    if result.errors:
        raise AssertionError(result.errors)
    assert result.data is not None
    return result.data
