"""End-to-end harness: the emulator and our app, each a real server on loopback, wired together.

The emulator fires real signed webhooks at our `/webhooks/shopify`; tests read our database
directly and call our API over HTTP. Pushes go through the real push engine (`sync.push` job via
`POST /api/sync/parallel/start`), so its own echo is what the receiver must recognise.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.auth import service as auth_service
from product_dashboard.config import Settings
from product_dashboard.conflict.apply import load_product
from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.inbound import signing
from product_dashboard.inbound.registration import register
from product_dashboard.kit.time import utcnow
from product_dashboard.main import create_app
from product_dashboard.models import Product, Role, WebhookEvent
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.documents import PRODUCT_BY_ID
from product_dashboard.shopify.tls import client_tls_context
from shopify_emulator.config import EmulatorConfig, Plan
from shopify_emulator.testing import EmulatorServer
from tests.fixtures.app import PASSWORD
from tests.fixtures.server import serve_in_thread
from tests.fixtures.waiting import wait_until

SECRET = "whsec-test-" + "s" * 24
TOKEN = "shpat_emulator"
FINAL = ("processed", "ignored", "dead")


def inbound_settings(settings: Settings, emulator_url: str, **overrides: Any) -> Settings:
    return settings.model_copy(
        update={
            "shopify_webhook_secret": SECRET,
            "shopify_store_url": emulator_url,
            "shopify_access_token": TOKEN,
            "webhook_retry_base_seconds": 0.05,
            **overrides,
        }
    )


@dataclass
class Harness:
    app_url: str
    emulator_url: str
    sessions: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient
    shopify: ShopifyClient
    headers: dict[str, str]
    app: FastAPI
    """Ours, served in another thread: read its state, never await its objects from here."""
    seen_up_to: int = 0
    """Events up to this id are left out of `events()` (what setting up a case caused)."""

    # -- the store side ---------------------------------------------------------------------

    async def emulator(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.http.post(
            f"{self.emulator_url}{path}", json=body or {}, headers={"X-Shopify-Access-Token": TOKEN}
        )
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    async def merchant_edit(self, shopify_id: str, **fields: Any) -> dict[str, Any]:
        return await self.emulator(f"/_emulator/products/{shopify_id}/edit", fields)

    # -- our side -----------------------------------------------------------------------------

    async def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.request(
            method, f"{self.app_url}{path}", headers=self.headers, **kwargs
        )

    async def create_product(self, **fields: Any) -> int:
        body = {
            "title": "Linen Shirt",
            "vendor": "Acme",
            "product_type": "Shirts",
            "status": "active",
            "tags": ["linen", "summer"],
            "options": [{"name": "Size", "values": ["S", "M"]}],
            "variants": [
                {"option_values": ["S"], "price": "30.00", "sku": "LS-S", "inventory_quantity": 5},
                {"option_values": ["M"], "price": "30.00", "sku": "LS-M", "inventory_quantity": 7},
            ],
            **fields,
        }
        response = await self.api("POST", "/api/products", json=body)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    async def push(self, product_id: int) -> str:
        """Push the product with the real push engine and wait for the job; its Shopify id."""
        response = await self.api(
            "POST",
            "/api/sync/parallel/start",
            json={"direction": "push", "mode": "sequential", "product_ids": [product_id]},
        )
        assert response.status_code == 202, response.text
        job = await self.wait_job(response.json()["job_id"])
        assert job["state"] == "completed", job
        product = await self.product(product_id)
        assert product.shopify_product_id is not None, job
        assert product.synced_version == product.version, job
        return product.shopify_product_id

    async def push_and_settle(self, product_id: int) -> str:
        """Push a new product and wait for the webhooks the push itself causes: productSet's
        products/create (fired before the id is recorded: not linked, ignored), then the
        products/update of setting its quantities (our own echo). Later `events()` leave them out.
        """
        shopify_id = await self.push(product_id)
        await self.wait_processed(shopify_id, 1, topic="products/create")
        await self.wait_processed(shopify_id, 1)
        await self.settle()
        self.seen_up_to = max(event.id for event in await self.events())
        return shopify_id

    async def settle(self) -> None:
        """Wait until the emulator has no delivery pending and we hold every one as final.

        Shopify (and the emulator) deliver concurrently, in no set order: a push's
        `inventory_levels/update` can arrive after its `products/update`. A case starts once
        what setting it up caused has arrived and been handled.
        """

        async def quiet() -> bool:
            response = await self.http.get(
                f"{self.emulator_url}/_emulator/stats", headers={"X-Shopify-Access-Token": TOKEN}
            )
            if int(response.json()["webhooks"]["pending"]):
                return False
            return all(e.state in FINAL for e in await self.events())

        await wait_until(quiet, what="the webhooks in flight to arrive and be handled")

    async def wait_job(self, job_id: str) -> dict[str, Any]:
        job: dict[str, Any] = {}

        async def final() -> bool:
            nonlocal job
            job = (await self.api("GET", f"/api/jobs/{job_id}")).json()
            return job["state"] in ("completed", "failed", "stopped")

        await wait_until(final, what=f"job {job_id}")
        return job

    async def remote_product(self, shopify_id: str) -> dict[str, Any]:
        response = await self.shopify.execute(PRODUCT_BY_ID, {"id": shopify_id})
        node: dict[str, Any] = response.data["product"]
        return node

    async def product(self, product_id: int) -> Product:
        async with self.sessions() as session:
            product = await load_product(session, product_id=product_id)
            assert product is not None
            return product

    async def events(self, resource_id: str | None = None) -> list[WebhookEvent]:
        async with self.sessions() as session:
            statement = (
                select(WebhookEvent)
                .where(WebhookEvent.id > self.seen_up_to)
                .order_by(WebhookEvent.id)
            )
            if resource_id is not None:
                statement = statement.where(WebhookEvent.resource_id == resource_id)
            return list(await session.scalars(statement))

    async def wait_processed(
        self, resource_id: str, count: int, topic: str = "products/update"
    ) -> list[WebhookEvent]:
        """Wait until `count` events of `topic` about `resource_id` are final; return them."""
        found: list[WebhookEvent] = []

        async def done() -> bool:
            nonlocal found
            found = [
                e for e in await self.events(resource_id) if e.topic == topic and e.state in FINAL
            ]
            return len(found) >= count

        await wait_until(done, what=f"{count} processed {topic} events for {resource_id}")
        return found

    async def wait_final(
        self, resource_id: str, which: Callable[[WebhookEvent], bool]
    ) -> WebhookEvent:
        """Wait until an event about `resource_id` that `which` picks is final; return it."""
        found: list[WebhookEvent] = []

        async def done() -> bool:
            found[:] = [e for e in await self.events(resource_id) if e.state in FINAL and which(e)]
            return bool(found)

        await wait_until(done, what=f"a chosen final event for {resource_id}")
        return found[0]

    async def deliver(
        self, topic: str, payload: dict[str, Any], *, webhook_id: str, secret: str = SECRET
    ) -> httpx.Response:
        """A delivery signed as Shopify signs it (for cases the emulator cannot stage)."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        return await self.http.post(
            f"{self.app_url}/webhooks/shopify",
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Shopify-Topic": topic,
                "X-Shopify-Hmac-Sha256": signing.sign(secret, body),
                "X-Shopify-Webhook-Id": webhook_id,
                "X-Shopify-Shop-Domain": "emulator-store.myshopify.com",
            },
        )


@asynccontextmanager
async def running_harness(
    settings: Settings, *, subscribe: bool = True, **overrides: Any
) -> AsyncIterator[Harness]:
    with ExitStack() as stack:
        emulator = EmulatorServer(
            EmulatorConfig(
                plan=Plan.UNLIMITED,
                webhook_secret=SECRET,
                access_token=TOKEN,
                bulk_rate=0,  # tests run bulk work unpaced, with no start-up time
                bulk_startup_seconds=0,
            )
        )
        emulator.start()
        stack.callback(emulator.stop)
        app_settings = inbound_settings(settings, emulator.base_url, **overrides)
        app = create_app(app_settings)
        app_url = stack.enter_context(serve_in_thread(app))
        engine = create_engine(settings.database_url)
        sessions = create_sessionmaker(engine)
        try:
            async with (
                httpx.AsyncClient(timeout=30, verify=client_tls_context()) as http,
                ShopifyClient(emulator.base_url, TOKEN) as shopify,
            ):
                async with sessions() as session, session.begin():
                    await auth_service.create_user(
                        session, "admin@example.com", PASSWORD, Role.admin
                    )
                login = await http.post(
                    f"{app_url}/api/auth/login",
                    json={"email": "admin@example.com", "password": PASSWORD},
                )
                assert login.status_code == 200, login.text
                headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
                if subscribe:
                    report = await register(shopify, f"{app_url}/webhooks/shopify")
                    assert report["state"] == "registered", report
                yield Harness(app_url, emulator.base_url, sessions, http, shopify, headers, app)
        finally:
            await engine.dispose()


def event_row(webhook_id: str) -> dict[str, Any]:
    """A webhook event's row as the receiver hands it to the writer."""
    return {
        "webhook_id": webhook_id,
        "event_id": None,
        "topic": "products/update",
        "shop_domain": None,
        "api_version": None,
        "triggered_at": None,
        "resource_id": f"gid://shopify/Product/{len(webhook_id)}",
        "body": "{}",
        "received_at": utcnow(),
        "next_attempt_at": utcnow(),
    }
