"""A real server on loopback: the app under uvicorn in a thread, for WebSocket tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.auth import service as auth_service
from product_dashboard.config import Settings
from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.eventstream.bus import EventBus
from product_dashboard.eventstream.config import StreamConfig
from product_dashboard.job import JobContext
from product_dashboard.main import create_app
from product_dashboard.models import Role
from product_dashboard.shopify.tls import client_tls_context
from tests.fixtures.app import PASSWORD
from tests.fixtures.server import serve_in_thread
from tests.job.helpers import FAST


@dataclass
class LiveServer:
    app: FastAPI
    http_url: str
    ws_url: str
    login: Callable[..., Awaitable[str]]
    sessions: async_sessionmaker[AsyncSession]


def _add_test_publish_route(app: FastAPI) -> None:
    """Lets a test publish on the server's bus, in the server's own event loop."""

    async def publish(request: Request) -> dict[str, Any]:
        body = await request.json()
        bus: EventBus = request.app.state.event_bus
        bus.publish(body["channel"], body["type"], body.get("data"))
        return {"ok": True}

    app.add_api_route("/test/publish", publish, methods=["POST"], include_in_schema=False)


async def count_slowly(ctx: JobContext) -> dict[str, Any]:
    """The `ws.count` job: counts to params["items"], a little at a time."""
    items = int(ctx.params["items"])
    await ctx.progress(total=items)
    for _ in range(items):
        await asyncio.sleep(0.03)
        await ctx.advance(done=1)
    return {"counted": items}


@pytest.fixture
async def live_server(settings: Settings) -> AsyncIterator[LiveServer]:
    app = create_app(settings)
    # Roomy: a loaded machine can take a second to connect and send the token.
    app.state.eventstream = StreamConfig(auth_timeout=10.0, recheck_interval=0.2)
    app.state.job_runner.config = replace(FAST)
    _add_test_publish_route(app)
    app.state.job_runner.register("ws.count", count_slowly)

    engine = create_engine(settings.database_url)
    sessions = create_sessionmaker(engine)
    server = contextlib.ExitStack()
    http_url = server.enter_context(serve_in_thread(app, ws="websockets-sansio", loop="asyncio"))
    counter = 0

    async def login(role: Role = Role.viewer) -> str:
        nonlocal counter
        counter += 1
        email = f"ws{counter}@example.com"
        async with sessions() as session, session.begin():
            await auth_service.create_user(session, email, PASSWORD, role)
        async with httpx.AsyncClient(base_url=http_url, verify=client_tls_context()) as client:
            response = await client.post(
                "/api/auth/login", json={"email": email, "password": PASSWORD}
            )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    try:
        yield LiveServer(
            app=app,
            http_url=http_url,
            ws_url=http_url.replace("http://", "ws://") + "/ws",
            login=login,
            sessions=sessions,
        )
    finally:
        # Stopped off the event loop: a failed test's open WebSockets need it to close.
        await asyncio.to_thread(server.close)
        await engine.dispose()
