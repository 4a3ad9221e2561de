"""Wire icons into the app: the service (with OpenAI when configured), the job, the routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2
from fastapi import FastAPI

from product_dashboard.ai.client import OpenAIGateway, gateway_from_settings
from product_dashboard.config import Settings
from product_dashboard.icon.endpoints import router
from product_dashboard.icon.jobs import ICON_JOB, icon_job_handler
from product_dashboard.icon.local import LocalIconGenerator
from product_dashboard.icon.openai_provider import OpenAIIconGenerator
from product_dashboard.icon.service import IconService
from product_dashboard.icon.storage import IconStore


def build_icon_service(settings: Settings, gateway: OpenAIGateway | None) -> IconService:
    remote = OpenAIIconGenerator(gateway) if gateway is not None else None
    return IconService(
        IconStore(settings.data_dir),
        LocalIconGenerator(),
        remote,
        remote_model=gateway.image_model if gateway is not None else None,
        remote_parallelism=settings.openai_max_concurrency,
    )


def install_icons(app: FastAPI, *, http_client: httpx2.AsyncClient | None = None) -> None:
    """Set `app.state.ai_gateway` and `app.state.icon_service`, register the job, add routes.

    The gateway's HTTP client is closed when the app's lifespan ends.
    """
    settings: Settings = app.state.settings
    gateway = gateway_from_settings(settings, http_client=http_client)
    app.state.ai_gateway = gateway
    app.state.icon_service = build_icon_service(settings, gateway)
    app.state.job_runner.register(
        ICON_JOB,
        icon_job_handler(lambda: app.state.icon_service),
        concurrency=2,
    )
    app.include_router(router)

    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        try:
            async with inner(application):
                yield
        finally:
            current: OpenAIGateway | None = application.state.ai_gateway
            if current is not None:
                await current.aclose()

    app.router.lifespan_context = lifespan
