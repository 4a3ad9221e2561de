"""Fixtures for the emulator tests: a loopback emulator, a GraphQL helper, Shopify's schema."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import GraphQLSchema, build_schema

from shopify_emulator import EmulatorConfig, Plan
from shopify_emulator.testing import EmulatorServer
from tests.fixtures.server import serve_in_thread

REPO_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "test-token"
API = "/admin/api/2026-10/graphql.json"


def shopify_schema_path() -> Path:
    path = Path(os.environ.get("SHOPIFY_ADMIN_SCHEMA", "../shared/shopify/admin-2026-10.graphql"))
    return path if path.is_absolute() else REPO_ROOT / path


@pytest.fixture(scope="session")
def shopify_schema() -> GraphQLSchema:
    """Shopify's real 2026-10 Admin schema (skips when the file is absent)."""
    path = shopify_schema_path()
    if not path.exists():
        pytest.skip(f"Shopify's schema not found at {path} (set SHOPIFY_ADMIN_SCHEMA)")
    return build_schema(path.read_text(encoding="utf-8"), assume_valid=True)


@dataclass
class Emulator:
    """A running emulator plus an HTTP client that talks to it."""

    server: EmulatorServer
    client: httpx.Client

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def state(self) -> Any:
        return self.server.app.state.emulator

    def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.client.post(API, json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = self.gql(query, variables)
        assert "errors" not in body, body
        result: dict[str, Any] = body["data"]
        return result

    def knob(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.client.post(f"/_emulator/{path}", json=body or {})
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result


def start_emulator(**overrides: Any) -> Generator[Emulator, None, None]:
    # Bulk work unpaced and with no start-up time unless a test asks for Shopify's timing.
    settings: dict[str, Any] = {"bulk_rate": 0, "bulk_startup_seconds": 0, **overrides}
    config = EmulatorConfig(access_token=TOKEN, **settings)
    server = EmulatorServer(config)
    server.start()
    client = httpx.Client(
        base_url=server.base_url, headers={"X-Shopify-Access-Token": TOKEN}, timeout=10
    )
    try:
        yield Emulator(server, client)
    finally:
        client.close()
        server.stop()


@pytest.fixture(scope="module")
def emulator_module() -> Iterator[Emulator]:
    yield from start_emulator(plan=Plan.UNLIMITED, async_completion_seconds=0.05)


@pytest.fixture
def emulator(emulator_module: Emulator) -> Emulator:
    """A shared unlimited-plan emulator, reset before each test."""
    emulator_module.knob("reset")
    emulator_module.knob("config", {"plan": "unlimited", "latency_ms": 0})
    return emulator_module


@dataclass
class ReceivedWebhook:
    headers: dict[str, str]
    body: bytes


class WebhookSink:
    """A loopback HTTP endpoint that records webhook deliveries."""

    def __init__(self) -> None:
        self.received: list[ReceivedWebhook] = []

    def app(self) -> Any:
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import PlainTextResponse
        from starlette.routing import Route

        async def hook(request: Request) -> PlainTextResponse:
            self.received.append(ReceivedWebhook(dict(request.headers), await request.body()))
            return PlainTextResponse("ok")

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])


@pytest.fixture
def webhook_sink() -> Iterator[tuple[WebhookSink, str]]:
    """A receiver on a free port; yields (sink, callback URL)."""
    sink = WebhookSink()
    with serve_in_thread(sink.app(), lifespan="off") as base_url:
        yield sink, f"{base_url}/hook"
