"""Per-app sync state: settings, the store gateway, live job figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import HTTPConnection

from product_dashboard.config import Settings
from product_dashboard.eventstream.bus import EventBus
from product_dashboard.product.image_store import image_store_in
from product_dashboard.store_gateway import StoreGateway
from product_dashboard.sync.metrics import LiveMetrics
from product_dashboard.sync.push.engine import PushConfig


@dataclass
class SyncRuntime:
    app: FastAPI
    settings: Settings
    gateway: StoreGateway
    bus: EventBus | None = None
    live: dict[str, LiveMetrics] = field(default_factory=dict)

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        maker: async_sessionmaker[AsyncSession] = self.app.state.sessionmaker
        return maker

    @property
    def dialect(self) -> str:
        return "sqlite" if self.settings.is_sqlite else "postgresql"

    def push_config(self) -> PushConfig:
        settings = self.settings
        return PushConfig(
            min_workers=min(settings.sync_min_workers, settings.sync_max_workers),
            max_workers=settings.sync_max_workers,
            bulk_chunk_size=settings.sync_bulk_chunk_size,
            images=image_store_in(settings.data_dir),
            redirect_handles=settings.sync_redirect_handles,
        )


async def get_runtime(connection: HTTPConnection) -> SyncRuntime:
    runtime: SyncRuntime = connection.app.state.sync_runtime
    return runtime


SyncRuntimeDep = Annotated[SyncRuntime, Depends(get_runtime)]
