"""Alerts on a push's figures: too many failures, too much throttling, throughput dropping."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from product_dashboard.config import Settings
from product_dashboard.sync.records import RunMetrics
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


def sent(metrics: RunMetrics) -> int:
    return (metrics.pushed or 0) + (metrics.deleted or 0) + (metrics.failed or 0)


def evaluate(
    metrics: RunMetrics, earlier: Sequence[RunMetrics], thresholds: Thresholds
) -> list[Alert]:
    """Alerts for one run's metrics; `earlier` are the metrics of previous runs (any mode)."""
    alerts: list[Alert] = []
    attempted = sent(metrics)
    if attempted:
        rate = (metrics.failed or 0) / attempted
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
    calls = metrics.api_calls
    if calls:
        share = metrics.throttled_responses / calls
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
                f"{metrics.mode} runs (threshold {thresholds.throughput_drop:.0%}).",
                value=round(drop, 4),
                threshold=thresholds.throughput_drop,
            )
        )
    return alerts


def _throughput_drop(metrics: RunMetrics, earlier: Sequence[RunMetrics]) -> float | None:
    if sent(metrics) < MIN_PRODUCTS_FOR_THROUGHPUT:
        return None
    baseline = [
        m.products_per_second
        for m in earlier
        if m.mode == metrics.mode and sent(m) >= MIN_PRODUCTS_FOR_THROUGHPUT
    ]
    if not baseline:
        return None
    median = statistics.median(baseline)
    if median <= 0:
        return None
    return max(0.0, 1.0 - metrics.products_per_second / median)
