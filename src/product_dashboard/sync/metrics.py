"""Prometheus metrics of the sync engine, and the live figures of one running push."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Counter, Gauge

from product_dashboard.shopify.stats import ClientStats

PRODUCTS = Counter(
    "dashboard_sync_products",
    "Products handled by pushes, by mode and outcome (pushed, deleted, failed, skipped).",
    ["mode", "outcome"],
)
API_CALLS = Counter("dashboard_sync_api_calls", "Shopify Admin API requests sent by pushes.")
COST_POINTS = Counter("dashboard_sync_cost_points", "Shopify cost points actually spent by pushes.")
THROTTLED = Counter(
    "dashboard_sync_throttled_responses", "Requests Shopify answered THROTTLED during pushes."
)
WORKERS = Gauge("dashboard_sync_workers", "Request workers of running pushes.")


@dataclass
class LiveMetrics:
    """Figures of one push while it runs; also published as its checkpoint's `metrics`."""

    mode: str = ""
    started: float = field(default_factory=time.monotonic)
    processed: int = 0
    api_calls: int = 0
    cost_points: int = 0
    throttled: int = 0
    workers: int = 0
    workers_min: int = 0
    workers_max: int = 0
    latency_ms: float | None = None
    _counted: dict[str, int] = field(default_factory=dict)
    _client_base: dict[str, float] = field(default_factory=dict)

    def attach(self, stats: ClientStats) -> None:
        self._client_base = {k: float(v or 0) for k, v in stats.as_dict().items()}

    def update(self, stats: ClientStats, workers: int, counts: dict[str, int]) -> None:
        """Take new totals; push the increments to Prometheus."""
        figures = stats.as_dict()
        api_calls = int(float(figures["requests"] or 0) - self._client_base.get("requests", 0))
        cost = int(float(figures["cost_actual"] or 0) - self._client_base.get("cost_actual", 0))
        throttled = int(float(figures["throttled"] or 0) - self._client_base.get("throttled", 0))
        API_CALLS.inc(max(0, api_calls - self.api_calls))
        COST_POINTS.inc(max(0, cost - self.cost_points))
        THROTTLED.inc(max(0, throttled - self.throttled))
        for outcome, value in counts.items():
            increment = value - self._counted.get(outcome, 0)
            if increment > 0:
                PRODUCTS.labels(mode=self.mode, outcome=outcome).inc(increment)
            self._counted[outcome] = value
        WORKERS.inc(workers - self.workers)
        self.api_calls, self.cost_points, self.throttled = api_calls, cost, throttled
        self.workers = workers
        if workers:
            self.workers_min = workers if not self.workers_min else min(self.workers_min, workers)
            self.workers_max = max(self.workers_max, workers)
        self.processed = sum(counts.values())
        ewma = stats.latency_ewma
        self.latency_ms = round(ewma * 1000, 1) if ewma is not None else None

    def finish(self) -> None:
        WORKERS.dec(self.workers)
        self.workers = 0

    def as_dict(self) -> dict[str, Any]:
        elapsed = max(1e-9, time.monotonic() - self.started)
        return {
            "mode": self.mode,
            "products_per_second": round(self.processed / elapsed, 2),
            "api_calls": self.api_calls,
            "cost_points": self.cost_points,
            "throttled_responses": self.throttled,
            "workers": self.workers,
            "workers_min": self.workers_min,
            "workers_max": self.workers_max,
            "latency_ms": self.latency_ms,
        }
