"""`/ws`: live events for the dashboard over a WebSocket.

Protocol (JSON text frames):
  1. Authenticate by sending `{"type": "auth", "token": "<JWT>"}` as the first message within
     `auth_timeout` seconds. A missing, bad, expired or revoked token closes the socket with code
     4401. (PyJWT checks the signature in constant time.) A token on the URL (`?token=`) is
     refused the same way: URLs end up in access logs and browser history.
  2. The server says `{"type": "ready", "user": {...}, "channels": [all channels]}`.
  3. Client → server: `{"type": "subscribe" | "unsubscribe", "channels": [...]}` (answered with
     `{"type": "subscriptions", "channels": [current]}`), `{"type": "ping"}` (answered with `pong`).
  4. Server → client: events `{"channel", "type", "data", "at"}`; control messages have no
     `channel`: `ping` after `keepalive_interval` idle seconds, `lagged` with the number of events
     dropped because this client fell behind (refetch state), `error` for a bad request.
  The token is checked again every `recheck_interval` seconds and at its expiry (→ 4401).
"""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.auth.dependencies import Principal, RateLimiterDep, resolve_token
from product_dashboard.auth.ratelimit import RateLimiter, per_second
from product_dashboard.config import Settings, SettingsDep
from product_dashboard.db import SessionmakerDep
from product_dashboard.eventstream.bus import EventBus, Subscription
from product_dashboard.eventstream.config import StreamConfig
from product_dashboard.eventstream.dependencies import EventBusDep, StreamConfigDep
from product_dashboard.exceptions import Unauthorized
from product_dashboard.kit.time import utcnow

logger = logging.getLogger(__name__)

router = APIRouter(tags=["eventstream"])

CLOSE_UNAUTHORIZED = 4401
MAX_MESSAGE_CHARS = 8192


CLOSE_FORBIDDEN_ORIGIN = 4403
CLOSE_TOO_MANY_MESSAGES = 1008  # policy violation


class _BadMessage(Exception):
    pass


@dataclass(frozen=True, slots=True)
class _Services:
    """What a connection uses of the app, handed over by the endpoint's dependencies."""

    config: StreamConfig
    bus: EventBus
    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    limiter: RateLimiter

    async def authenticate(self, token: str) -> Principal | None:
        async with self.sessionmaker() as session:
            try:
                return await resolve_token(session, self.settings, token)
            except Unauthorized:
                return None


@router.websocket("/ws")
async def event_stream(
    websocket: WebSocket,
    config: StreamConfigDep,
    bus: EventBusDep,
    settings: SettingsDep,
    sessionmaker: SessionmakerDep,
    limiter: RateLimiterDep,
) -> None:
    services = _Services(config, bus, settings, sessionmaker, limiter)
    if not _origin_allowed(websocket, settings):
        # Another site's page must not ride on a user's browser to read the live events.
        await websocket.close(CLOSE_FORBIDDEN_ORIGIN, "Origin not allowed")
        return
    await websocket.accept()
    if "token" in websocket.query_params:
        await websocket.close(CLOSE_UNAUTHORIZED, "Send the token in an auth message, not the URL")
        return
    try:
        token = await _await_auth_message(websocket, config.auth_timeout)
        principal = await services.authenticate(token) if token else None
        if principal is None or token is None:
            await websocket.close(CLOSE_UNAUTHORIZED, "Unauthorized")
            return
        await _Connection(websocket, services, principal, token).serve()
    except WebSocketDisconnect:
        pass


def _origin_allowed(websocket: WebSocket, settings: Settings) -> bool:
    """Browsers send Origin: the dashboard's own, or one listed in CORS_ORIGINS. Programs that
    send none are let through to authenticate like anyone else."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    if origin in settings.cors_origins:
        return True
    host = websocket.headers.get("host")
    return host is not None and urlsplit(origin).netloc.lower() == host.lower()


async def _await_auth_message(websocket: WebSocket, timeout: float) -> str | None:
    try:
        message = await asyncio.wait_for(_receive_json(websocket), timeout)
    except (TimeoutError, _BadMessage):
        return None
    token = message.get("token")
    if message.get("type") != "auth" or not isinstance(token, str):
        return None
    return token


async def _receive_json(websocket: WebSocket) -> dict[str, Any]:
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
    raw = message.get("text")
    if raw is None and message.get("bytes") is not None:
        raw = message["bytes"].decode("utf-8", errors="replace")
    if raw is None or len(raw) > MAX_MESSAGE_CHARS:
        raise _BadMessage("messages are JSON text of at most 8192 characters")
    try:
        payload = json.loads(raw)
    except ValueError as exc:
        raise _BadMessage("message is not valid JSON") from exc
    if not isinstance(payload, dict):
        raise _BadMessage("message must be a JSON object")
    return payload


class _Connection:
    def __init__(
        self, websocket: WebSocket, services: _Services, principal: Principal, token: str
    ) -> None:
        self.websocket = websocket
        self.services = services
        self.bus = services.bus
        self.config = services.config
        self.principal = principal
        self.token = token
        self.subscription: Subscription = self.bus.subscribe(maxsize=self.config.queue_size)
        self._send_lock = asyncio.Lock()

    async def serve(self) -> None:
        user = self.principal.user
        await self.send(
            {
                "type": "ready",
                "user": {"id": user.id, "email": user.email, "role": user.role},
                "channels": sorted(self.bus.channels),
            }
        )
        tasks = [
            asyncio.create_task(self._forward_events()),
            asyncio.create_task(self._handle_client()),
            asyncio.create_task(self._watch_token()),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.subscription.close()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            exc = task.exception()
            if exc is not None and not isinstance(exc, WebSocketDisconnect):
                raise exc

    async def send(self, payload: dict[str, Any]) -> None:
        async with self._send_lock:
            await self.websocket.send_text(json.dumps(payload, separators=(",", ":")))

    async def _forward_events(self) -> None:
        reported_drops = 0
        while True:
            try:
                event = await asyncio.wait_for(
                    self.subscription.get(), self.config.keepalive_interval
                )
            except TimeoutError:
                await self.send({"type": "ping"})
                continue
            if self.subscription.dropped != reported_drops:
                await self.send(
                    {"type": "lagged", "dropped": self.subscription.dropped - reported_drops}
                )
                reported_drops = self.subscription.dropped
            await self.send(event.to_json())

    async def _handle_client(self) -> None:
        limiter = self.services.limiter
        rate, key = per_second(self.config.messages_per_second), f"ws:{id(self)}"
        while True:
            try:
                message = await _receive_json(self.websocket)
                if not limiter.allow(rate, key):
                    await self.websocket.close(CLOSE_TOO_MANY_MESSAGES, "Too many messages")
                    return
            except _BadMessage as exc:
                await self.send({"type": "error", "detail": str(exc)})
                continue
            kind = message.get("type")
            if kind == "ping":
                await self.send({"type": "pong"})
            elif kind in ("subscribe", "unsubscribe"):
                await self._change_subscriptions(kind, message.get("channels"))
            elif kind in ("pong", "auth"):
                continue
            else:
                await self.send({"type": "error", "detail": f"unknown message type {kind!r}"})

    async def _change_subscriptions(self, kind: str, channels: object) -> None:
        if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
            await self.send({"type": "error", "detail": "`channels` must be a list of strings"})
            return
        unknown = sorted(set(channels) - self.bus.channels)
        if unknown:
            await self.send({"type": "error", "detail": f"unknown channel(s): {unknown}"})
            return
        if kind == "subscribe":
            self.subscription.subscribe(*channels)
        else:
            self.subscription.unsubscribe(*channels)
        await self.send({"type": "subscriptions", "channels": sorted(self.subscription.channels)})

    async def _watch_token(self) -> None:
        """Close the socket once the token expires or is revoked (e.g. by logging out)."""
        while True:
            until_expiry = (self.principal.claims.expires_at - utcnow()) / timedelta(seconds=1)
            await asyncio.sleep(max(0.0, min(self.config.recheck_interval, until_expiry)))
            # Shielded: a query cancelled halfway can strand its connection.
            check = asyncio.ensure_future(self.services.authenticate(self.token))
            if await asyncio.shield(check) is None:
                with suppress(RuntimeError):
                    await self.websocket.close(CLOSE_UNAUTHORIZED, "Token expired or revoked")
                return
