"""Backups every BACKUP_INTERVAL_HOURS while the app runs, the newest BACKUP_KEEP kept; one at a
time, the scheduled ones and those an admin asks for alike."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from product_dashboard.backup.archive import BackupError, Summary, default_path, make_backup
from product_dashboard.config import Settings
from product_dashboard.eventstream import SYSTEM, EventBus
from product_dashboard.kit.periodic import Periodic

logger = logging.getLogger(__name__)

FIRST_RUN_AFTER_SECONDS = 600.0  # not at every start: soon after it, once the app has settled
PATTERN = "dashboard-*.tar.gz"  # what `default_path` names; nothing else in the folder is touched
BACKUP_FAILED = "backup.failed"
NAME = re.compile(r"dashboard-\d{8}-\d{6}-\d{3}\.tar\.gz")


@dataclass(frozen=True)
class BackupFile:
    path: Path
    size: int
    created_at: datetime


class Backups:
    def __init__(self, settings: Settings, bus: EventBus | None = None) -> None:
        self.settings = settings
        self.bus = bus  # told of each failure (the `system` channel's backup.failed): an alert
        self.last: Summary | None = None
        self.last_error: str | None = None
        self._one_at_a_time = asyncio.Lock()
        interval = settings.backup_interval_hours * 3600
        self._periodic = Periodic(
            "backups", self.run, interval, first_delay=min(interval, FIRST_RUN_AFTER_SECONDS)
        )

    @property
    def busy(self) -> bool:
        return self._one_at_a_time.locked()

    def start(self) -> None:
        if self.settings.backup_interval_hours > 0:
            self._periodic.start()

    async def close(self) -> None:
        await self._periodic.close()

    async def run(self, now: datetime | None = None) -> Summary | None:
        """Make a backup; None (the reason logged and kept in `last_error`) if it failed."""
        async with self._one_at_a_time:
            folder = self.settings.backup_dir
            target = folder / default_path(now or datetime.now(UTC)).name
            try:  # a thread: SQLite's copy and pg_dump take seconds on a large catalog
                self.last = await asyncio.to_thread(make_backup, self.settings, target)
            except BackupError as exc:
                self.last_error = str(exc)
                logger.error("backup failed: %s", exc, extra={"reason": str(exc)})
                if self.bus is not None:
                    self.bus.publish(SYSTEM, BACKUP_FAILED, {"reason": str(exc)})
                return None
            self.last_error = None
            removed = await asyncio.to_thread(keep_newest, folder, self.settings.backup_keep)
            logger.info(
                "backed up %d products to %s (%d older backups removed)",
                self.last.manifest.products,
                target,
                len(removed),
            )
            return self.last

    def files(self) -> list[BackupFile]:
        """The backups in the folder (the ones this app names), newest first."""
        found = []
        for path in sorted(self.settings.backup_dir.glob(PATTERN), reverse=True):
            if not NAME.fullmatch(path.name):
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            found.append(BackupFile(path, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC)))
        return found

    def file(self, name: str) -> Path | None:
        """The backup of that name, if it is one (never a path outside the folder)."""
        if not NAME.fullmatch(name):
            return None
        path = self.settings.backup_dir / name
        return path if path.is_file() else None


def keep_newest(folder: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest scheduled backups (by the time in their name)."""
    backups = sorted(
        (path for path in folder.glob(PATTERN) if NAME.fullmatch(path.name)),
        key=lambda path: path.name,
        reverse=True,
    )
    removed = backups[keep:]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


__all__ = ["BackupFile", "Backups", "keep_newest"]
