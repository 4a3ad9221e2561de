"""Counters exposed at GET /_emulator/stats."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class Stats:
    http_requests: int = 0
    graphql_requests: int = 0
    mutations: int = 0
    cost_points_spent: int = 0
    throttled_responses: int = 0
    max_cost_exceeded: int = 0
    graphql_errors: int = 0
    faults_injected: int = 0
    webhooks_fired: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def reset(self) -> None:
        for name, value in asdict(Stats()).items():
            setattr(self, name, value)
