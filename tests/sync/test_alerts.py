"""Alerts on push figures: failures, throttling, and throughput against earlier runs."""

from __future__ import annotations

import pytest

from product_dashboard.sync.alerts import Thresholds, evaluate
from product_dashboard.sync.records import RunMetrics

pytestmark = pytest.mark.quick

THRESHOLDS = Thresholds(error_rate=0.05, throttled_share=0.05, throughput_drop=0.5)


def _run(**values: float | str) -> RunMetrics:
    base: dict[str, float | str] = {
        "mode": "batch",
        "pushed": 100,
        "failed": 0,
        "api_calls": 10,
        "throttled_responses": 0,
        "products_per_second": 100.0,
    }
    base.update(values)
    return RunMetrics.model_validate(base)


def test_a_healthy_run_raises_nothing() -> None:
    assert evaluate(_run(), [_run(), _run(products_per_second=120.0)], THRESHOLDS) == []


def test_failures_throttling_and_a_throughput_drop_each_raise_an_alert() -> None:
    bad = _run(failed=10, throttled_responses=2, products_per_second=30.0)
    kinds = {a.kind: a for a in evaluate(bad, [_run(), _run()], THRESHOLDS)}
    assert set(kinds) == {"error_rate", "throttled_share", "throughput_drop"}
    assert kinds["error_rate"].value == pytest.approx(10 / 110, abs=1e-4)
    assert kinds["throttled_share"].value == pytest.approx(0.2)
    assert kinds["throughput_drop"].value == pytest.approx(0.7)


def test_throughput_is_compared_only_with_runs_of_the_same_mode_and_size() -> None:
    slow = _run(products_per_second=10.0)
    assert evaluate(slow, [_run(mode="bulk", products_per_second=2000.0)], THRESHOLDS) == []
    assert evaluate(_run(pushed=5, products_per_second=1.0), [_run()], THRESHOLDS) == []
