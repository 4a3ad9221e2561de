"""Fixtures for the emulator tests: a loopback emulator, a GraphQL helper, Shopify's schema."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from product_dashboard.shopify.tls import client_tls_context
from shopify_emulator import EmulatorConfig
from shopify_emulator.testing import EmulatorServer
from tests.fixtures.emulator import API, EMULATOR_TOKEN, TEST_BULK_TIMING, reset_emulator
from tests.fixtures.server import serve_in_thread


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


def _client(server: EmulatorServer) -> httpx.Client:
    return httpx.Client(
        base_url=server.base_url,
        headers={"X-Shopify-Access-Token": EMULATOR_TOKEN},
        timeout=10,
        verify=client_tls_context(),
    )


def start_emulator(**overrides: Any) -> Generator[Emulator, None, None]:
    """An emulator of the test's own, for configurations a reset cannot reach (a state file)."""
    settings = {**TEST_BULK_TIMING, **overrides}
    server = EmulatorServer(EmulatorConfig(access_token=EMULATOR_TOKEN, **settings))
    server.start()
    try:
        with _client(server) as client:
            yield Emulator(server, client)
    finally:
        server.stop()


def shared_emulator(server: EmulatorServer, plan: str) -> Generator[Emulator, None, None]:
    reset_emulator(server.base_url, plan=plan)
    with _client(server) as client:
        yield Emulator(server, client)


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> Iterator[Emulator]:
    """The shared emulator, reset to an empty unlimited-plan store."""
    yield from shared_emulator(emulator_server, "unlimited")


@pytest.fixture
def standard_plan(emulator_server: EmulatorServer) -> Iterator[Emulator]:
    """The shared emulator, reset to an empty standard-plan store (its bucket enforced)."""
    yield from shared_emulator(emulator_server, "standard")


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


def make_product(emulator: Emulator, title: str, **fields: Any) -> str:
    price = fields.pop("price", "10")
    compare = fields.pop("compareAtPrice", None)
    payload = emulator.data(
        "mutation($input: ProductSetInput!) { productSet(input: $input) "
        "{ product { id } userErrors { message } } }",
        {
            "input": {
                "title": title,
                "productOptions": [{"name": "Title", "values": [{"name": "Default Title"}]}],
                "variants": [
                    {
                        "optionValues": [{"optionName": "Title", "name": "Default Title"}],
                        "price": price,
                        "compareAtPrice": compare,
                    }
                ],
                **fields,
            }
        },
    )["productSet"]
    assert payload["userErrors"] == []
    product_id: str = payload["product"]["id"]
    return product_id


@pytest.fixture
def catalog(emulator: Emulator) -> dict[str, str]:
    return {
        "tee": make_product(
            emulator,
            "Summer Tee",
            productType="Shirts",
            tags=["Sale"],
            price="15",
            compareAtPrice="20",
        ),
        "mug": make_product(emulator, "Mug", productType="Mugs", vendor="Acme", price="30"),
        "hoodie": make_product(emulator, "Winter Hoodie", productType="shirts", price="45"),
    }
