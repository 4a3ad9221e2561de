"""In-process receiver counters and acknowledgement latencies (the processor's live in the DB)."""

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


@dataclass
class ReceiverMetrics:
    received: int = 0
    accepted: int = 0
    refused: int = 0
    duplicates: int = 0
    rejected: int = 0  # malformed (no topic, too large): 4xx other than 401
    last_received_at: datetime | None = None
    _ack_ms: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_WINDOW))

    def record_ack(self, milliseconds: float) -> None:
        self._ack_ms.append(milliseconds)
        self.last_received_at = utcnow()

    def latency(self) -> dict[str, float | int | None]:
        samples = list(self._ack_ms)
        p50, p99 = percentile(samples, 50), percentile(samples, 99)
        return {
            "samples": len(samples),
            "p50_ms": round(p50, 2) if p50 is not None else None,
            "p99_ms": round(p99, 2) if p99 is not None else None,
            "max_ms": round(max(samples), 2) if samples else None,
        }
