"""Per-app sync state: settings, the store's shared cost pacer, clients, live job figures."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.config import Settings
from product_dashboard.eventstream.bus import EventBus
from product_dashboard.exceptions import AppError, Conflict
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.pacer import CostPacer
from product_dashboard.sync.metrics import LiveMetrics
from product_dashboard.sync.push.engine import PushConfig


class ShopifyNotConfigured(Conflict):
    kind = "shopify_not_configured"

    def __init__(self) -> None:
        super().__init__(
            "Shopify is not configured: set SHOPIFY_STORE_URL and SHOPIFY_ACCESS_TOKEN "
            "(the start script points them at the local store emulator)."
        )


class NotImplementedYet(AppError):
    status_code = 501
    kind = "not_implemented"


@dataclass
class SyncRuntime:
    app: FastAPI
    settings: Settings
    bus: EventBus | None = None
    # Shopify's budget is per store, so every job pushing to one store shares one pacer.
    pacers: dict[str, CostPacer] = field(default_factory=dict)
    live: dict[str, LiveMetrics] = field(default_factory=dict)

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        maker: async_sessionmaker[AsyncSession] = self.app.state.sessionmaker
        return maker

    @property
    def dialect(self) -> str:
        return "sqlite" if self.settings.is_sqlite else "postgresql"

    @property
    def configured(self) -> bool:
        return bool(self.settings.shopify_store_url and self.settings.shopify_access_token)

    def require_configured(self) -> None:
        if not self.configured:
            raise ShopifyNotConfigured()

    def push_config(self) -> PushConfig:
        settings = self.settings
        return PushConfig(
            min_workers=min(settings.sync_min_workers, settings.sync_max_workers),
            max_workers=settings.sync_max_workers,
            bulk_chunk_size=settings.sync_bulk_chunk_size,
        )

    def client(self) -> ShopifyClient:
        self.require_configured()
        settings = self.settings
        store = str(settings.shopify_store_url)
        pacer = self.pacers.setdefault(store, CostPacer())
        timeout = settings.shopify_timeout_seconds
        return ShopifyClient(
            store,
            str(settings.shopify_access_token),
            settings.shopify_api_version,
            timeout=httpx.Timeout(
                connect=min(5.0, timeout), read=timeout, write=timeout, pool=30.0
            ),
            max_retries=settings.shopify_max_retries,
            pacer=pacer,
        )


def get_runtime(app: FastAPI) -> SyncRuntime:
    runtime: SyncRuntime = app.state.sync_runtime
    return runtime
