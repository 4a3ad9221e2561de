"""In-process receiver counters and acknowledgement latencies (the processor's live in the DB).

Besides the whole acknowledgement, parts of it are kept so that a slow answer can be placed:
`store` (handed to the writer until its batch committed: queueing plus writing); per batch,
`batch_write` (the INSERT and COMMIT alone), `lock_wait` (SQLite: waiting for a processing
transaction to end) and the batch size. Ack minus store is our own CPU on the request (HTTP,
middleware, HMAC, parsing) plus waiting for the event loop.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from product_dashboard.kit.time import utcnow

LATENCY_WINDOW = 10_000


def percentile(samples: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of `samples`; None when empty."""
    if not samples:
        return None
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(samples: list[float]) -> dict[str, float | int | None]:
    p50, p99 = percentile(samples, 50), percentile(samples, 99)
    return {
        "samples": len(samples),
        "p50_ms": round(p50, 2) if p50 is not None else None,
        "p99_ms": round(p99, 2) if p99 is not None else None,
        "max_ms": round(max(samples), 2) if samples else None,
    }


def _window() -> deque[float]:
    return deque(maxlen=LATENCY_WINDOW)


@dataclass
class ReceiverMetrics:
    received: int = 0
    accepted: int = 0
    refused: int = 0
    duplicates: int = 0
    rejected: int = 0  # malformed (no topic, too large): 4xx other than 401
    spooled: int = 0  # stored in the spool beside SQLite (its write lock held past the budget)
    last_received_at: datetime | None = None
    _ack_ms: deque[float] = field(default_factory=_window)
    _store_ms: deque[float] = field(default_factory=_window)
    _write_ms: deque[float] = field(default_factory=_window)
    _lock_wait_ms: deque[float] = field(default_factory=_window)
    _batch_sizes: deque[float] = field(default_factory=_window)

    def record_ack(self, milliseconds: float, store_milliseconds: float | None = None) -> None:
        self._ack_ms.append(milliseconds)
        if store_milliseconds is not None:
            self._store_ms.append(store_milliseconds)
        self.last_received_at = utcnow()

    def record_batch(
        self, size: int, write_milliseconds: float, lock_wait_milliseconds: float
    ) -> None:
        self._batch_sizes.append(size)
        self._write_ms.append(write_milliseconds)
        self._lock_wait_ms.append(lock_wait_milliseconds)

    def latency(self) -> dict[str, float | int | None]:
        return summary(list(self._ack_ms))

    def phases(self) -> dict[str, dict[str, float | int | None]]:
        sizes = list(self._batch_sizes)
        return {
            "store": summary(list(self._store_ms)),
            "batch_write": summary(list(self._write_ms)),
            "lock_wait": summary(list(self._lock_wait_ms)),
            "batch_size": {
                "samples": len(sizes),
                "mean": round(sum(sizes) / len(sizes), 2) if sizes else None,
                "max": max(sizes) if sizes else None,
            },
        }
