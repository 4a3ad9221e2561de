"""Counters the client keeps for metrics: requests, retries, throttles, cost, latency."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["LATENCY_BUCKETS", "ClientStats"]

# Upper bounds in seconds, like Prometheus' default histogram buckets trimmed to our range.
LATENCY_BUCKETS: tuple[float, ...] = (
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    float("inf"),
)
_EWMA_ALPHA = 0.2


@dataclass(slots=True)
class ClientStats:
    """Running totals for one client (one store). Mutated in place by the client."""

    requests: int = 0
    """HTTP attempts sent, retries included."""
    successes: int = 0
    retries: int = 0
    """Attempts re-sent after a retryable failure (throttle waits excluded)."""
    throttled: int = 0
    failures: int = 0
    """Attempts that ended in a transport error or a non-2xx status."""
    failure_kinds: dict[str, int] = field(default_factory=dict)
    """Failed attempts by error class name (ServerError, RequestTimeout, ...)."""
    cost_requested: int = 0
    cost_actual: int = 0
    latency_ewma: float | None = None
    latency_buckets: list[int] = field(default_factory=lambda: [0] * len(LATENCY_BUCKETS))
    """Non-cumulative counts per bucket of LATENCY_BUCKETS."""
    latency_sum: float = 0.0

    def record_failure(self, kind: str) -> None:
        self.failures += 1
        self.failure_kinds[kind] = self.failure_kinds.get(kind, 0) + 1

    def observe_latency(self, seconds: float) -> None:
        self.latency_sum += seconds
        self.latency_ewma = (
            seconds
            if self.latency_ewma is None
            else self.latency_ewma + _EWMA_ALPHA * (seconds - self.latency_ewma)
        )
        for index, bound in enumerate(LATENCY_BUCKETS):
            if seconds <= bound:
                self.latency_buckets[index] += 1
                break

    def as_dict(self) -> dict[str, float | int | None]:
        """Flat figures for a metrics endpoint or a benchmark table."""
        return {
            "requests": self.requests,
            "successes": self.successes,
            "retries": self.retries,
            "throttled": self.throttled,
            "failures": self.failures,
            "cost_requested": self.cost_requested,
            "cost_actual": self.cost_actual,
            "latency_ewma": self.latency_ewma,
            "latency_sum": self.latency_sum,
        }
