from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin

from product_dashboard.eventstream.endpoints import CLOSE_TOO_MANY_MESSAGES, CLOSE_UNAUTHORIZED
from tests.eventstream.conftest import LiveServer

pytestmark = pytest.mark.integration

WAIT = 15.0


async def recv_json(ws: ClientConnection) -> dict[str, Any]:
    message = await asyncio.wait_for(ws.recv(), WAIT)
    payload: dict[str, Any] = json.loads(message)
    return payload


async def expect_unauthorized_close(ws: ClientConnection) -> None:
    with pytest.raises(ConnectionClosed):
        while True:
            await recv_json(ws)
    assert ws.close_code == CLOSE_UNAUTHORIZED


@asynccontextmanager
async def authenticated(server: LiveServer, token: str) -> AsyncIterator[ClientConnection]:
    async with connect(server.ws_url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        yield ws


async def publish(server: LiveServer, channel: str, type: str, data: dict[str, Any]) -> None:
    async with httpx.AsyncClient(base_url=server.http_url) as client:
        response = await client.post(
            "/test/publish", json={"channel": channel, "type": type, "data": data}
        )
        assert response.status_code == 200, response.text


async def test_message_token_is_accepted_and_ping_is_answered(live_server: LiveServer) -> None:
    token = await live_server.login()
    async with authenticated(live_server, token) as ws:
        ready = await recv_json(ws)
        assert ready["type"] == "ready"
        assert ready["user"]["email"] == "ws1@example.com" and ready["user"]["role"] == "viewer"
        assert "jobs" in ready["channels"]
        await ws.send(json.dumps({"type": "ping"}))
        assert await recv_json(ws) == {"type": "pong"}


async def test_a_token_on_the_url_is_refused(live_server: LiveServer) -> None:
    token = await live_server.login()
    url = f"{live_server.ws_url}?token={token}"  # lands in access logs and browser history
    async with connect(url) as ws:
        await expect_unauthorized_close(ws)
    assert ws.close_reason is not None and "auth message" in ws.close_reason


async def test_first_message_token_is_accepted(live_server: LiveServer) -> None:
    token = await live_server.login()
    async with connect(live_server.ws_url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        assert (await recv_json(ws))["type"] == "ready"


@pytest.mark.parametrize(
    "first_message",
    [
        {"type": "auth", "token": "not-a-jwt"},
        {"type": "subscribe", "channels": ["jobs"]},
        {"type": "auth"},
        "[1, 2]",
    ],
)
async def test_bad_first_message_is_refused_with_4401(
    live_server: LiveServer, first_message: Any
) -> None:
    async with connect(live_server.ws_url) as ws:
        text = first_message if isinstance(first_message, str) else json.dumps(first_message)
        await ws.send(text)
        await expect_unauthorized_close(ws)


async def test_bad_token_and_silence_are_refused_with_4401(live_server: LiveServer) -> None:
    token = await live_server.login()
    async with authenticated(live_server, f"{token[:-3]}abc") as ws:
        await expect_unauthorized_close(ws)
    config = live_server.app.state.eventstream
    live_server.app.state.eventstream = replace(config, auth_timeout=1.0)  # read per connection
    async with connect(live_server.ws_url) as ws:  # never authenticates
        await expect_unauthorized_close(ws)


async def test_revoked_token_is_refused_and_logout_closes_an_open_socket(
    live_server: LiveServer,
) -> None:
    token = await live_server.login()
    async with authenticated(live_server, token) as ws:
        assert (await recv_json(ws))["type"] == "ready"
        async with httpx.AsyncClient(base_url=live_server.http_url) as client:
            response = await client.post(
                "/api/auth/logout", headers={"Authorization": f"Bearer {token}"}
            )
            assert response.status_code == 204
        await expect_unauthorized_close(ws)
    async with connect(live_server.ws_url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        await expect_unauthorized_close(ws)


async def test_events_follow_subscriptions(live_server: LiveServer) -> None:
    token = await live_server.login()
    async with authenticated(live_server, token) as ws:
        await recv_json(ws)
        await ws.send(json.dumps({"type": "subscribe", "channels": ["sync", "jobs"]}))
        assert await recv_json(ws) == {"type": "subscriptions", "channels": ["jobs", "sync"]}

        await publish(live_server, "webhooks", "webhook.received", {"n": 0})  # not subscribed
        await publish(live_server, "sync", "sync.step", {"n": 1})
        event = await recv_json(ws)
        assert (event["channel"], event["type"], event["data"]) == ("sync", "sync.step", {"n": 1})
        assert set(event) == {"channel", "type", "data", "at"}

        await ws.send(json.dumps({"type": "unsubscribe", "channels": ["sync"]}))
        assert await recv_json(ws) == {"type": "subscriptions", "channels": ["jobs"]}
        await publish(live_server, "sync", "sync.step", {"n": 2})  # no longer subscribed
        await publish(live_server, "jobs", "job.marker", {"n": 3})
        event = await recv_json(ws)
        assert (event["channel"], event["data"]) == ("jobs", {"n": 3})  # n=0 and n=2 never came


async def test_bad_requests_get_errors_without_closing(live_server: LiveServer) -> None:
    token = await live_server.login()
    async with authenticated(live_server, token) as ws:
        await recv_json(ws)
        await ws.send(json.dumps({"type": "subscribe", "channels": ["jobs", "nope"]}))
        error = await recv_json(ws)
        assert error["type"] == "error" and "nope" in error["detail"]
        await ws.send("{not json")
        assert (await recv_json(ws))["type"] == "error"
        await ws.send(json.dumps({"type": "dance"}))
        assert (await recv_json(ws))["type"] == "error"
        await ws.send(json.dumps({"type": "ping"}))
        assert await recv_json(ws) == {"type": "pong"}


async def test_other_sites_cannot_open_the_stream(live_server: LiveServer) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(live_server.ws_url, origin=Origin("https://evil.example")):
            pass
    assert refused.value.response.status_code == 403
    own = Origin(live_server.http_url)
    token = await live_server.login()
    async with connect(live_server.ws_url, origin=own) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        assert (await recv_json(ws))["type"] == "ready"


async def test_a_flood_of_messages_closes_the_socket(live_server: LiveServer) -> None:
    token = await live_server.login()
    async with authenticated(live_server, token) as ws:
        assert (await recv_json(ws))["type"] == "ready"
        with pytest.raises(ConnectionClosed):
            for _ in range(200):
                await ws.send(json.dumps({"type": "ping"}))
            while True:
                await recv_json(ws)
    assert ws.close_code == CLOSE_TOO_MANY_MESSAGES
