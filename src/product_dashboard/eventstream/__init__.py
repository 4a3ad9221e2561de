"""Live events: an in-process bus by channel, forwarded to dashboards over the `/ws` WebSocket."""

from product_dashboard.eventstream.bus import (
    CONFLICTS,
    DEFAULT_CHANNELS,
    JOBS,
    PRODUCTS,
    SYNC,
    SYSTEM,
    WEBHOOKS,
    Event,
    EventBus,
    Subscription,
)

__all__ = [
    "CONFLICTS",
    "DEFAULT_CHANNELS",
    "JOBS",
    "PRODUCTS",
    "SYNC",
    "SYSTEM",
    "WEBHOOKS",
    "Event",
    "EventBus",
    "Subscription",
]
