"""`bulkOperations(query:, sortKey:, reverse:)` and `bulkOperation(id:)`: the app's operations.

Shopify lists them newest first by default (`reverse: true` gives oldest first) and filters on
`status`, `operation_type`, `created_at` and `id` in its search syntax, e.g.
`"operation_type:mutation AND (status:created OR status:running)"`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shopify_emulator.bulk.models import BulkOperation
from shopify_emulator.resolvers.pagination import Connection, Edge, SortKey, paginate
from shopify_emulator.search.filters import (
    FieldMatcher,
    Predicate,
    compile_query,
    date_matches,
    id_matches,
)
from shopify_emulator.search.parser import Term, parse_query


def _one_of(term: Term, value: str) -> bool:
    return value.lower() in {part.strip().lower() for part in term.value.split(",")}


BULK_OPERATION_FIELDS: dict[str, FieldMatcher[BulkOperation]] = {
    "status": lambda t: lambda o: _one_of(t, o.status.value),
    "operation_type": lambda t: lambda o: _one_of(t, o.type.value),
    "created_at": lambda t: lambda o: date_matches(t, o.created_at),
    "id": lambda t: lambda o: id_matches(t, o.legacy_id, "BulkOperation"),
}


def bulk_operation_filter(query: str | None) -> Predicate[BulkOperation]:
    # A bare word matches nothing in particular on Shopify's side: it filters nothing here.
    return compile_query(parse_query(query), BULK_OPERATION_FIELDS, lambda _t: lambda _o: True)


def _sort_key(sort_key: str) -> Any:
    if sort_key == "COMPLETED_AT":

        def completed(o: BulkOperation) -> SortKey:
            stamp = o.completed_at.isoformat() if o.completed_at else ""
            return (stamp, o.legacy_id)

        return completed
    return lambda o: (o.legacy_id, o.legacy_id)  # ids grow with creation time


def list_bulk_operations(
    operations: Iterable[BulkOperation], **args: Any
) -> Connection[dict[str, Any]]:
    """One page of `bulkOperations(...)`, rows as GraphQL objects."""
    wanted = bulk_operation_filter(args.get("query"))
    key = _sort_key(args.get("sortKey") or "CREATED_AT")
    page = paginate(
        [o for o in operations if wanted(o)],
        key,
        first=args.get("first"),
        last=args.get("last"),
        after=args.get("after"),
        before=args.get("before"),
        reverse=not args.get("reverse"),  # newest first unless `reverse: true`
    )
    return Connection(
        [Edge(edge.key, edge.node.to_graphql()) for edge in page.edges], page.page_info
    )
