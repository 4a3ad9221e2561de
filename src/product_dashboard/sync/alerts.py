"""Alerts on a push's figures: too many failures, too much throttling, throughput dropping."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from product_dashboard.config import Settings
from product_dashboard.sync.schemas import Alert

# Throughput of tiny runs is dominated by start-up; comparing them would only make noise.
MIN_PRODUCTS_FOR_THROUGHPUT = 50


@dataclass(frozen=True)
class Thresholds:
    error_rate: float
    throttled_share: float
    throughput_drop: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Thresholds:
        return cls(
            error_rate=settings.sync_alert_error_rate,
            throttled_share=settings.sync_alert_throttled_share,
            throughput_drop=settings.sync_alert_throughput_drop,
        )

    def as_dict(self) -> dict[str, float]:
        return {
            "error_rate": self.error_rate,
            "throttled_share": self.throttled_share,
            "throughput_drop": self.throughput_drop,
        }


def sent(metrics: Mapping[str, Any]) -> int:
    return (
        int(metrics.get("pushed", 0))
        + int(metrics.get("deleted", 0))
        + int(metrics.get("failed", 0))
    )


def evaluate(
    metrics: Mapping[str, Any],
    earlier: Sequence[Mapping[str, Any]],
    thresholds: Thresholds,
) -> list[Alert]:
    """Alerts for one run's metrics; `earlier` are the metrics of previous runs (any mode)."""
    alerts: list[Alert] = []
    attempted = sent(metrics)
    if attempted:
        rate = int(metrics.get("failed", 0)) / attempted
        if rate > thresholds.error_rate:
            alerts.append(
                Alert(
                    kind="error_rate",
                    message=f"{rate:.1%} of products failed to sync "
                    f"(threshold {thresholds.error_rate:.1%}).",
                    value=round(rate, 4),
                    threshold=thresholds.error_rate,
                )
            )
    calls = int(metrics.get("api_calls", 0))
    if calls:
        share = int(metrics.get("throttled_responses", 0)) / calls
        if share > thresholds.throttled_share:
            alerts.append(
                Alert(
                    kind="throttled_share",
                    message=f"{share:.1%} of Shopify requests were throttled "
                    f"(threshold {thresholds.throttled_share:.1%}).",
                    value=round(share, 4),
                    threshold=thresholds.throttled_share,
                )
            )
    drop = _throughput_drop(metrics, earlier)
    if drop is not None and drop > thresholds.throughput_drop:
        alerts.append(
            Alert(
                kind="throughput_drop",
                message=f"Throughput is {drop:.0%} below the median of earlier "
                f"{metrics.get('mode')} runs (threshold {thresholds.throughput_drop:.0%}).",
                value=round(drop, 4),
                threshold=thresholds.throughput_drop,
            )
        )
    return alerts


def _throughput_drop(
    metrics: Mapping[str, Any], earlier: Sequence[Mapping[str, Any]]
) -> float | None:
    if sent(metrics) < MIN_PRODUCTS_FOR_THROUGHPUT:
        return None
    baseline = [
        float(m.get("products_per_second", 0.0))
        for m in earlier
        if m.get("mode") == metrics.get("mode") and sent(m) >= MIN_PRODUCTS_FOR_THROUGHPUT
    ]
    if not baseline:
        return None
    median = statistics.median(baseline)
    if median <= 0:
        return None
    return max(0.0, 1.0 - float(metrics.get("products_per_second", 0.0)) / median)
