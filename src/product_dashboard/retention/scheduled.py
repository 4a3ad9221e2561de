"""The pruner: runs the retention rules every RETENTION_INTERVAL_MINUTES, in the background."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.config import Settings
from product_dashboard.export.tasks import export_dir
from product_dashboard.importer.endpoints import upload_dir
from product_dashboard.kit.periodic import Periodic
from product_dashboard.kit.time import utcnow
from product_dashboard.retention.service import (
    PruneReport,
    live_upload_paths,
    prune_database,
    prune_files,
)

logger = logging.getLogger(__name__)

FIRST_RUN_AFTER_SECONDS = 300.0  # soon after a start, so frequent restarts still prune


async def prune_once(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> PruneReport:
    async with sessionmaker() as session, session.begin():
        report = await prune_database(session, settings, utcnow())
        keep = await live_upload_paths(session)
    report.export_files = await asyncio.to_thread(
        prune_files, export_dir(settings.data_dir), timedelta(days=settings.retention_export_days)
    )
    report.upload_files = await asyncio.to_thread(
        prune_files,
        upload_dir(settings.data_dir),
        timedelta(hours=settings.retention_upload_hours),
        keep,
    )
    return report


class Pruner:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.last_report: PruneReport | None = None
        interval = settings.retention_interval_minutes * 60
        self._periodic = Periodic(
            "pruner", self.run, interval, first_delay=min(interval, FIRST_RUN_AFTER_SECONDS)
        )

    def start(self) -> None:
        if self.settings.retention_interval_minutes > 0:
            self._periodic.start()

    async def close(self) -> None:
        await self._periodic.close()

    async def run(self) -> PruneReport:
        self.last_report = await prune_once(self.sessionmaker, self.settings)
        if self.last_report.total:
            logger.info("pruned %s", self.last_report.model_dump(exclude_defaults=True))
        return self.last_report


__all__ = ["Pruner", "prune_once"]
