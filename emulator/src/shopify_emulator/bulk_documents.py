"""Bulk documents checked against the emulator's schema when the operation is created.

Shopify refuses a bulk query or mutation that does not validate (an unknown field, a wrong
argument) with `userErrors` at creation; it does not start it and fail later.
"""

from __future__ import annotations

from shopify_emulator.bulk import (
    BulkMutationErrorCode,
    BulkOperationUserErrorCode,
    BulkPayload,
    BulkUserError,
)
from shopify_emulator.executor import GraphQLExecutor


def _validation_messages(executor: GraphQLExecutor, document: str) -> list[str]:
    """Why a document that parses does not validate (empty when it does, or does not parse:
    the bulk manager words parse errors itself)."""
    prepared = executor.cache.get(document)
    if prepared.document is None:
        return []
    return [str(error["message"]) for error in prepared.errors]


def refused_bulk_query(executor: GraphQLExecutor, query: str) -> BulkPayload | None:
    messages = _validation_messages(executor, query)
    if not messages:
        return None
    return BulkPayload(
        None,
        [
            BulkUserError(f"Invalid bulk query: {m}", ["query"], BulkOperationUserErrorCode.INVALID)
            for m in messages
        ],
    )


def refused_bulk_mutation(executor: GraphQLExecutor, mutation: str) -> BulkPayload | None:
    messages = _validation_messages(executor, mutation)
    if not messages:
        return None
    return BulkPayload(
        None,
        [
            BulkUserError(
                f"Invalid mutation: {m}", ["mutation"], BulkMutationErrorCode.INVALID_MUTATION
            )
            for m in messages
        ],
    )
