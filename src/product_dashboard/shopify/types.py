"""Typed shapes of what Shopify returns alongside data: query cost and throttle status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["GraphQLResponse", "QueryCost", "ThrottleStatus"]


@dataclass(frozen=True, slots=True)
class ThrottleStatus:
    """The store's cost bucket as Shopify reported it when it answered."""

    maximum_available: float
    currently_available: float
    restore_rate: float

    @classmethod
    def from_payload(cls, raw: Mapping[str, Any]) -> ThrottleStatus:
        return cls(
            maximum_available=float(raw["maximumAvailable"]),
            currently_available=float(raw["currentlyAvailable"]),
            restore_rate=float(raw["restoreRate"]),
        )

    def seconds_until_available(self, cost: float) -> float:
        """How long until the bucket holds `cost` points, by Shopify's own figures."""
        if self.restore_rate <= 0:
            return 0.0
        return max(0.0, (cost - self.currently_available) / self.restore_rate)


@dataclass(frozen=True, slots=True)
class QueryCost:
    """`extensions.cost` of one response; `actual_query_cost` is None when throttled."""

    requested_query_cost: int | None
    actual_query_cost: int | None
    throttle_status: ThrottleStatus | None

    @classmethod
    def from_extensions(cls, extensions: Mapping[str, Any] | None) -> QueryCost | None:
        if not extensions:
            return None
        raw = extensions.get("cost")
        if not isinstance(raw, Mapping):
            return None
        status = raw.get("throttleStatus")
        requested = raw.get("requestedQueryCost")
        actual = raw.get("actualQueryCost")
        return cls(
            requested_query_cost=int(requested) if requested is not None else None,
            actual_query_cost=int(actual) if actual is not None else None,
            throttle_status=ThrottleStatus.from_payload(status)
            if isinstance(status, Mapping)
            else None,
        )


@dataclass(frozen=True, slots=True)
class GraphQLResponse:
    """A successful GraphQL response: `data` plus the parsed cost extension."""

    data: dict[str, Any]
    cost: QueryCost | None = None
    extensions: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.data[key]
