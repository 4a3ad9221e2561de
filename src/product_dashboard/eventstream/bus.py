"""In-process publish/subscribe by channel, for live dashboard updates.

Publishing is synchronous and never blocks: each subscriber owns a bounded queue, and when a slow
subscriber falls behind its oldest events are dropped (and counted) rather than slowing anyone else.
All methods must be called from the event loop's thread.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from product_dashboard.kit.time import utcnow

JOBS = "jobs"
SYNC = "sync"
WEBHOOKS = "webhooks"
CONFLICTS = "conflicts"
PRODUCTS = "products"
SYSTEM = "system"
DEFAULT_CHANNELS = frozenset({JOBS, SYNC, WEBHOOKS, CONFLICTS, PRODUCTS, SYSTEM})

DEFAULT_QUEUE_SIZE = 256
_CHANNEL_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")


@dataclass(frozen=True, slots=True)
class Event:
    channel: str
    type: str
    data: dict[str, Any]
    at: datetime = field(default_factory=utcnow)

    def to_json(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "type": self.type,
            "data": self.data,
            "at": self.at.isoformat(),
        }


class Subscription:
    """One subscriber's view of the bus: a set of channels and a bounded drop-oldest queue."""

    def __init__(self, bus: EventBus, maxsize: int) -> None:
        self._bus = bus
        self._queue: deque[Event] = deque(maxlen=maxsize)
        self._ready = asyncio.Event()
        self.channels: set[str] = set()
        self.dropped = 0
        self.closed = False

    def subscribe(self, *channels: str) -> None:
        self._bus._add(self, channels)

    def unsubscribe(self, *channels: str) -> None:
        self._bus._remove(self, channels)

    def close(self) -> None:
        self._bus._remove(self, tuple(self.channels))
        self.closed = True
        self._ready.set()

    def pending(self) -> int:
        return len(self._queue)

    def get_nowait(self) -> Event | None:
        if not self._queue:
            return None
        event = self._queue.popleft()
        if not self._queue:
            self._ready.clear()
        return event

    async def get(self) -> Event:
        """The next event, waiting if needed; raises `EOFError` once the subscription is closed."""
        while True:
            event = self.get_nowait()
            if event is not None:
                return event
            if self.closed:
                raise EOFError("subscription closed")
            await self._ready.wait()

    async def __aiter__(self) -> AsyncIterator[Event]:
        while True:
            try:
                yield await self.get()
            except EOFError:
                return

    def _deliver(self, event: Event) -> None:
        if len(self._queue) == self._queue.maxlen:
            self.dropped += 1  # deque(maxlen) discards the oldest on append
        self._queue.append(event)
        self._ready.set()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class EventBus:
    """Channels are declared up front so a typo fails loudly instead of reaching nobody."""

    def __init__(self, channels: Iterable[str] = DEFAULT_CHANNELS) -> None:
        self._subscribers: dict[str, set[Subscription]] = {}
        for channel in channels:
            self.add_channel(channel)

    @property
    def channels(self) -> frozenset[str]:
        return frozenset(self._subscribers)

    def add_channel(self, channel: str) -> None:
        if not _CHANNEL_NAME.match(channel):
            raise ValueError(f"invalid channel name {channel!r}")
        self._subscribers.setdefault(channel, set())

    def subscribe(
        self, channels: Iterable[str] = (), *, maxsize: int = DEFAULT_QUEUE_SIZE
    ) -> Subscription:
        subscription = Subscription(self, maxsize)
        subscription.subscribe(*channels)
        return subscription

    def publish(self, channel: str, type: str, data: dict[str, Any] | None = None) -> Event:
        """Deliver to every subscriber of `channel` now; never blocks, never raises for them."""
        subscribers = self._subscribers.get(channel)
        if subscribers is None:
            raise ValueError(f"unknown channel {channel!r}; known: {sorted(self._subscribers)}")
        event = Event(channel=channel, type=type, data=data or {})
        for subscription in tuple(subscribers):
            subscription._deliver(event)
        return event

    def subscriber_count(self, channel: str) -> int:
        return len(self._subscribers.get(channel, ()))

    def _add(self, subscription: Subscription, channels: Iterable[str]) -> None:
        channels = tuple(channels)
        unknown = [c for c in channels if c not in self._subscribers]
        if unknown:
            raise ValueError(f"unknown channel(s) {unknown}; known: {sorted(self._subscribers)}")
        if subscription.closed:
            raise RuntimeError("subscription is closed")
        for channel in channels:
            self._subscribers[channel].add(subscription)
            subscription.channels.add(channel)

    def _remove(self, subscription: Subscription, channels: Iterable[str]) -> None:
        for channel in channels:
            self._subscribers.get(channel, set()).discard(subscription)
            subscription.channels.discard(channel)
