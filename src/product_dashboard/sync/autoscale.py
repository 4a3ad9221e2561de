"""How many workers a push needs: enough to keep Shopify's cost budget busy, never more.

Little's law: to spend `rate` points per second with requests of `cost` points that each take
`latency` seconds, `rate / cost * latency` requests must be in flight. The rate we aim for is the
plan's restore rate, doubled while more than half the bucket is free (the burst is there to be
used). One worker is added so a request's local work overlaps the others' waits, and the result
is clamped to [min_workers, max_workers]. Before Shopify has reported its bucket we start at the
minimum; the pacer, not the worker count, is what keeps requests from being throttled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DEFAULT_MIN_WORKERS = 2
DEFAULT_MAX_WORKERS = 10
BURST_FACTOR = 2.0


@dataclass(frozen=True, slots=True)
class BudgetView:
    """The cost bucket as the pacer models it now."""

    restore_rate: float | None
    available: float
    maximum: float | None


def target_workers(
    *,
    latency_seconds: float | None,
    cost_per_request: float,
    budget: BudgetView,
    min_workers: int = DEFAULT_MIN_WORKERS,
    max_workers: int = DEFAULT_MAX_WORKERS,
) -> int:
    """Workers to run now for the measured latency and the free budget (see module docstring)."""
    if latency_seconds is None or budget.restore_rate is None or cost_per_request <= 0:
        return min_workers
    rate = budget.restore_rate
    if budget.maximum and budget.available > budget.maximum / 2:
        rate *= BURST_FACTOR
    needed = math.ceil(rate / cost_per_request * latency_seconds) + 1
    return max(min_workers, min(max_workers, needed))


class Autoscaler:
    """Keeps the current target and the range it moved through during a run."""

    def __init__(
        self, min_workers: int = DEFAULT_MIN_WORKERS, max_workers: int = DEFAULT_MAX_WORKERS
    ) -> None:
        if not 1 <= min_workers <= max_workers:
            raise ValueError("need 1 <= min_workers <= max_workers")
        self.min_workers = min_workers
        self.max_workers = max_workers
        self.current = min_workers
        self.lowest = min_workers
        self.highest = min_workers
        self.changes = 0

    def update(
        self, *, latency_seconds: float | None, cost_per_request: float, budget: BudgetView
    ) -> int:
        target = target_workers(
            latency_seconds=latency_seconds,
            cost_per_request=cost_per_request,
            budget=budget,
            min_workers=self.min_workers,
            max_workers=self.max_workers,
        )
        if target != self.current:
            self.changes += 1
            self.current = target
        self.lowest = min(self.lowest, target)
        self.highest = max(self.highest, target)
        return target
