"""Bulk operations of the emulator: queries flattened to JSONL, mutations over staged JSONL."""

from shopify_emulator.bulk.flatten import flatten_bulk_result
from shopify_emulator.bulk.manager import BulkOperationManager, Execute, ExecuteAll, ReadUpload
from shopify_emulator.bulk.models import (
    BulkMutationErrorCode,
    BulkOperation,
    BulkOperationErrorCode,
    BulkOperationStatus,
    BulkOperationType,
    BulkOperationUserErrorCode,
    BulkPayload,
    BulkUserError,
)
from shopify_emulator.bulk.routes import RESULTS_PATH, bulk_results_route
from shopify_emulator.bulk.validation import mutation_errors, query_errors

__all__ = [
    "RESULTS_PATH",
    "BulkMutationErrorCode",
    "BulkOperation",
    "BulkOperationErrorCode",
    "BulkOperationManager",
    "BulkOperationStatus",
    "BulkOperationType",
    "BulkOperationUserErrorCode",
    "BulkPayload",
    "BulkUserError",
    "Execute",
    "ExecuteAll",
    "ReadUpload",
    "bulk_results_route",
    "flatten_bulk_result",
    "mutation_errors",
    "query_errors",
]
