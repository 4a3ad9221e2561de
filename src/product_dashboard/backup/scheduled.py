"""Backups every BACKUP_INTERVAL_HOURS while the app runs, the newest BACKUP_KEEP kept."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

from product_dashboard.backup.archive import BackupError, Summary, default_path, make_backup
from product_dashboard.config import Settings
from product_dashboard.kit.periodic import Periodic

logger = logging.getLogger(__name__)

FIRST_RUN_AFTER_SECONDS = 600.0  # not at every start: soon after it, once the app has settled
PATTERN = "dashboard-*.tar.gz"  # what `default_path` names; nothing else in the folder is touched


class Backups:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.last: Summary | None = None
        interval = settings.backup_interval_hours * 3600
        self._periodic = Periodic(
            "backups", self.run, interval, first_delay=min(interval, FIRST_RUN_AFTER_SECONDS)
        )

    def start(self) -> None:
        if self.settings.backup_interval_hours > 0:
            self._periodic.start()

    async def close(self) -> None:
        await self._periodic.close()

    async def run(self, now: datetime | None = None) -> Summary | None:
        folder = self.settings.backup_dir
        target = folder / default_path(now or datetime.now(UTC)).name
        try:  # a thread: SQLite's copy and pg_dump take seconds on a large catalog
            self.last = await asyncio.to_thread(make_backup, self.settings, target)
        except BackupError as exc:
            logger.error("scheduled backup failed: %s", exc, extra={"reason": str(exc)})
            return None
        removed = await asyncio.to_thread(keep_newest, folder, self.settings.backup_keep)
        logger.info(
            "backed up %d products to %s (%d older backups removed)",
            self.last.manifest.products,
            target,
            len(removed),
        )
        return self.last


def keep_newest(folder: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest scheduled backups (by the time in their name)."""
    backups = sorted(folder.glob(PATTERN), key=lambda path: path.name, reverse=True)
    removed = backups[keep:]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


__all__ = ["Backups", "keep_newest"]
