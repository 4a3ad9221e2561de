"""Wire icons into the app: the service (with OpenAI when configured), the job, the routes."""

from __future__ import annotations

from fastapi import FastAPI

from product_dashboard.ai.client import OpenAIGateway
from product_dashboard.ai.setup import ensure_gateway
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


def install_icons(app: FastAPI) -> None:
    """Set `app.state.icon_service`, register the icon job with the runner, add the routes."""
    app.state.icon_service = build_icon_service(app.state.settings, ensure_gateway(app))
    ICON_JOB.register(
        app.state.job_runner, icon_job_handler(lambda: app.state.icon_service), concurrency=2
    )
    app.include_router(router)
