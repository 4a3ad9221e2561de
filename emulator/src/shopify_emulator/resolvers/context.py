"""Per-request GraphQL context."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLResolveInfo

from shopify_emulator.state import EmulatorState
from shopify_emulator.store import Store


@dataclass
class RequestContext:
    state: EmulatorState
    search_warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def store(self) -> Store:
        return self.state.store


def ctx(info: GraphQLResolveInfo) -> RequestContext:
    context = info.context
    assert isinstance(context, RequestContext)
    return context


def store_of(info: GraphQLResolveInfo) -> Store:
    return ctx(info).state.store


def warn_unknown_filters(info: GraphQLResolveInfo, query: str | None, fields: list[str]) -> None:
    """Record Shopify's `extensions.search` warnings for filters the resource ignores."""
    if not fields:
        return
    ctx(info).search_warnings.append(
        {
            "path": [str(p) for p in info.path.as_list()],
            "query": query,
            "warnings": [
                {"field": name, "message": "Invalid search field for this query."}
                for name in fields
            ],
        }
    )
