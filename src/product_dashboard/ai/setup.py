"""The app's one OpenAI gateway: created on first request for it, closed with the app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2
from fastapi import FastAPI

from product_dashboard.ai.client import OpenAIGateway, gateway_from_settings
from product_dashboard.config import Settings

_STATE = "ai_gateway"


def ensure_gateway(
    app: FastAPI, *, http_client: httpx2.AsyncClient | None = None
) -> OpenAIGateway | None:
    """`app.state.ai_gateway`, built from settings the first time (None without a key)."""
    if hasattr(app.state, _STATE):
        gateway: OpenAIGateway | None = getattr(app.state, _STATE)
        return gateway
    settings: Settings = app.state.settings
    gateway = gateway_from_settings(settings, http_client=http_client)
    setattr(app.state, _STATE, gateway)
    _close_with_app(app)
    return gateway


def _close_with_app(app: FastAPI) -> None:
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        try:
            async with inner(application):
                yield
        finally:
            current: OpenAIGateway | None = getattr(application.state, _STATE, None)
            if current is not None:
                await current.aclose()

    app.router.lifespan_context = lifespan
