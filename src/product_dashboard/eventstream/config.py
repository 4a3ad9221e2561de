"""Timings and limits of the `/ws` event stream (create_app sets one; tests tighten it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class StreamConfig:
    auth_timeout: float = 5.0
    keepalive_interval: float = 25.0
    recheck_interval: float = 60.0
    queue_size: int = 256
    # The dashboard sends a handful of messages a minute; a client past this is misbehaving.
    messages_per_second: int = 20
