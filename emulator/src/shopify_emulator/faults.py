"""Fault injection: server errors, hangs, dropped connections, throttle storms."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Fault(StrEnum):
    ERROR = "error"
    TIMEOUT = "timeout"
    DROP = "drop"


@dataclass
class FaultConfig:
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    drop_rate: float = 0.0
    # How long a "timeout" request hangs before answering 503 (past any sane client timeout).
    timeout_seconds: float = 30.0
    error_statuses: list[int] = field(default_factory=lambda: [500, 502, 503])
    seed: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class FaultInjector:
    def __init__(self) -> None:
        self.config = FaultConfig()
        self._random = random.Random()

    def configure(self, config: FaultConfig) -> None:
        self.config = config
        self._random = random.Random(config.seed)

    def pick(self) -> Fault | None:
        """Draw which fault (if any) hits the next GraphQL request."""
        c = self.config
        if c.error_rate <= 0 and c.timeout_rate <= 0 and c.drop_rate <= 0:
            return None
        roll = self._random.random()
        if roll < c.error_rate:
            return Fault.ERROR
        if roll < c.error_rate + c.timeout_rate:
            return Fault.TIMEOUT
        if roll < c.error_rate + c.timeout_rate + c.drop_rate:
            return Fault.DROP
        return None

    def error_status(self) -> int:
        return self._random.choice(self.config.error_statuses or [500])
