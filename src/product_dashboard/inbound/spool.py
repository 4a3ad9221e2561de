"""Deliveries SQLite could not take in time, kept durably beside the database until it can.

SQLite has one writer. A transaction that holds it for seconds or minutes (a chunk of an import,
a price batch, a pull's apply, another process) would
make the receiver wait past Shopify's 5 s and answer 500 after the busy timeout: Shopify sends
again, and many failures over 48 h remove the subscription. So when a batch of deliveries cannot
be committed within the writer's budget, it is appended to this file (one JSON line an event,
fsync'd) and answered 200: stored before we answer, as promised, only not yet in the table. The
writer moves the file's events into the table once the write lock is free (the table's unique
webhook id makes that idempotent: a crash between the table's commit and the file's rewrite
stores nothing twice), then wakes the processor. While the file holds events, later deliveries
join it too, so events reach the table in the order they came.

SQLite only: PostgreSQL has row locks, and a long transaction elsewhere never blocks an insert of
a new webhook row. One process owns the spool (an exclusive lock on `<spool>.lock`, held until
it closes): a second app process on the same database gets none, and waits as before.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

logger = logging.getLogger(__name__)

SUFFIX = "-webhooks.spool"
_WHEN = ("received_at", "next_attempt_at")  # the event's datetimes, as ISO 8601 text in the file


def spool_path(url: URL) -> Path | None:
    """`<database>-webhooks.spool` beside a SQLite file (as its -wal and -shm); None otherwise."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    database = Path(url.database)
    return database.with_name(database.name + SUFFIX)


class SpoolTaken(Exception):
    """Another process owns the spool."""


def own_spool_lock(path: Path) -> int:
    """Take `<spool>.lock` (the open file, held until closed); SpoolTaken if a process has it.

    A running dashboard on a SQLite database holds it from its start: a restore takes it too."""
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise SpoolTaken(f"{path} is owned by another process") from None
    return fd


class EventSpool:
    """The events in the file, by webhook id in arrival order; every change fsync'd."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._events: dict[str, dict[str, Any]] = {}
        self._file = asyncio.Lock()  # one append or rewrite at a time
        self._owner: int | None = None  # the open lock file, while this process owns the spool

    def __len__(self) -> int:
        return len(self._events)

    def __contains__(self, webhook_id: object) -> bool:
        return webhook_id in self._events

    def events(self) -> list[dict[str, Any]]:
        return list(self._events.values())

    async def load(self) -> None:
        """Own the spool (SpoolTaken if another process does), read what a previous process
        left (a line cut short by a crash was never answered 200: it is dropped), and write the
        file back clean, so an append never continues a cut line."""
        async with self._file:
            if self._owner is None:
                self._owner = await asyncio.to_thread(self._own)
            self._events = await asyncio.to_thread(self._read)
            if self._events:
                logger.warning(
                    "%d webhook deliveries left in %s: storing them", len(self._events), self.path
                )
            await asyncio.to_thread(self._rewrite, list(self._events.values()))

    async def append(self, events: list[dict[str, Any]]) -> None:
        """Durably add events (not held yet: the caller checks)."""
        if not events:
            return
        data = "".join(_line(event) for event in events).encode()
        async with self._file:
            await asyncio.to_thread(_append, self.path, data)
            for event in events:
                self._events[event["webhook_id"]] = event

    async def set_aside(self, events: list[dict[str, Any]]) -> None:
        """Keep events the table refused in `<spool>.refused` (for a person to look at), so
        they hold up no other."""
        if events:
            data = "".join(_line(event) for event in events).encode()
            async with self._file:
                await asyncio.to_thread(
                    _append, self.path.with_name(self.path.name + ".refused"), data
                )

    async def remove(self, webhook_ids: set[str]) -> None:
        """Drop events now committed to the table."""
        async with self._file:
            kept = [e for i, e in self._events.items() if i not in webhook_ids]
            await asyncio.to_thread(self._rewrite, kept)
            self._events = {event["webhook_id"]: event for event in kept}

    def close(self) -> None:
        """Let another process own the spool (what it holds stays in the file)."""
        if self._owner is not None:
            os.close(self._owner)  # releases the lock
            self._owner = None

    # -- the file (in a worker thread) ----------------------------------------------------------

    def _own(self) -> int:
        return own_spool_lock(self.path)

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        events: dict[str, dict[str, Any]] = {}
        for line in text.splitlines():
            try:
                event = _parsed(line)
            except (ValueError, KeyError, TypeError):
                logger.warning("dropping a cut or unreadable line of %s", self.path)
                continue
            events.setdefault(event["webhook_id"], event)
        return events

    def _rewrite(self, events: list[dict[str, Any]]) -> None:
        if not events:
            if self.path.exists():
                self.path.unlink()
                _fsync_dir(self.path.parent)
            return
        temporary = self.path.with_name(self.path.name + ".new")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, "".join(_line(event) for event in events).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, self.path)
        _fsync_dir(self.path.parent)


def _line(event: dict[str, Any]) -> str:
    fields = {
        key: value.isoformat() if key in _WHEN and isinstance(value, datetime) else value
        for key, value in event.items()
    }
    return json.dumps(fields, separators=(",", ":")) + "\n"


def _parsed(line: str) -> dict[str, Any]:
    event = json.loads(line)
    if not isinstance(event, dict) or not isinstance(event["webhook_id"], str):
        raise ValueError("not an event")
    for key in _WHEN:
        if isinstance(event.get(key), str):
            event[key] = datetime.fromisoformat(event[key])
    return event


def _append(path: Path, data: bytes) -> None:
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
