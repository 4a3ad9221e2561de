"""Everything one running emulator holds: config, store, bucket, counters, background work."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from shopify_emulator.config import EmulatorConfig, Plan
from shopify_emulator.faults import FaultInjector
from shopify_emulator.operations import OperationRegistry
from shopify_emulator.stats import Stats
from shopify_emulator.store import Store
from shopify_emulator.throttle import CostBucket

logger = logging.getLogger("shopify_emulator")

AsyncHook = Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class SnapshotPart:
    """Extra state a subsystem saves with the store's snapshot (as text) and restores from it."""

    dump: Callable[[], str]
    restore: Callable[[str], None]


@dataclass(slots=True)
class Hooks:
    """What the subsystems (webhooks, staged uploads, bulk operations) add to the core's work."""

    startup: list[AsyncHook] = field(default_factory=list)
    shutdown: list[AsyncHook] = field(default_factory=list)
    reset: list[Callable[[], None]] = field(default_factory=list)
    # `POST /_emulator/config`'s body, after the core's own fields were applied.
    reconfigure: list[Callable[[dict[str, Any]], None]] = field(default_factory=list)
    stats: dict[str, Callable[[], dict[str, Any]]] = field(default_factory=dict)
    snapshot_parts: dict[str, SnapshotPart] = field(default_factory=dict)
    # `node(id:)` for the subsystems' own types, by type name, from the gid's raw id.
    node_finders: dict[str, Callable[[str], Any]] = field(default_factory=dict)


class EmulatorState:
    def __init__(self, config: EmulatorConfig, store: Store | None = None) -> None:
        self.config = config
        self.store = store or Store()
        self.bucket = CostBucket(
            config.bucket_size, config.restore_rate, enforce=config.plan != Plan.UNLIMITED
        )
        self.stats = Stats()
        self.faults = FaultInjector()
        self.operations = OperationRegistry()
        self.loop: asyncio.AbstractEventLoop | None = None
        self._timers: set[asyncio.TimerHandle] = set()
        self.hooks = Hooks()  # filled in by `wiring.wire_subsystems`

    def apply_plan(self, plan: Plan) -> None:
        self.config.plan = plan
        self.bucket.reconfigure(
            self.config.bucket_size, self.config.restore_rate, enforce=plan != Plan.UNLIMITED
        )

    def schedule(self, delay: float, callback: Callable[[], None]) -> None:
        """Run `callback` on the event loop after `delay` seconds (callable from any thread)."""
        loop = self.loop
        if loop is None:
            callback()
            return

        def arm() -> None:
            holder: list[asyncio.TimerHandle] = []

            def fire() -> None:
                self._timers.discard(holder[0])
                self._run_timer(callback)

            holder.append(loop.call_later(delay, fire))
            self._timers.add(holder[0])

        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            arm()
        else:
            loop.call_soon_threadsafe(arm)

    def _run_timer(self, callback: Callable[[], None]) -> None:
        try:
            callback()
        except Exception:
            logger.exception("background emulator task failed")

    def cancel_timers(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
