"""Bulk operation records, Shopify's enums and the payload shapes of the bulk mutations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from shopify_emulator.gid import is_numeric_id

BULK_OPERATION_GID_PREFIX = "gid://shopify/BulkOperation/"


class BulkOperationStatus(StrEnum):
    CREATED = "CREATED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    CANCELING = "CANCELING"
    CANCELED = "CANCELED"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"


ACTIVE_STATUSES = frozenset(
    {BulkOperationStatus.CREATED, BulkOperationStatus.RUNNING, BulkOperationStatus.CANCELING}
)


class BulkOperationType(StrEnum):
    QUERY = "QUERY"
    MUTATION = "MUTATION"


class BulkOperationErrorCode(StrEnum):
    ACCESS_DENIED = "ACCESS_DENIED"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    TIMEOUT = "TIMEOUT"


class BulkMutationErrorCode(StrEnum):
    """Codes of `BulkMutationUserError` (bulkOperationRunMutation)."""

    INTERNAL_FILE_SERVER_ERROR = "INTERNAL_FILE_SERVER_ERROR"
    INVALID_MUTATION = "INVALID_MUTATION"
    INVALID_STAGED_UPLOAD_FILE = "INVALID_STAGED_UPLOAD_FILE"
    LIMIT_REACHED = "LIMIT_REACHED"
    NO_SUCH_FILE = "NO_SUCH_FILE"
    OPERATION_IN_PROGRESS = "OPERATION_IN_PROGRESS"


class BulkOperationUserErrorCode(StrEnum):
    """Codes of `BulkOperationUserError` (bulkOperationRunQuery)."""

    INVALID = "INVALID"
    LIMIT_REACHED = "LIMIT_REACHED"
    OPERATION_IN_PROGRESS = "OPERATION_IN_PROGRESS"


@dataclass(slots=True)
class BulkOperation:
    """One bulk operation; mutated in place by the manager while it runs."""

    legacy_id: int
    type: BulkOperationType
    query: str
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    status: BulkOperationStatus = BulkOperationStatus.CREATED
    error_code: BulkOperationErrorCode | None = None
    completed_at: datetime | None = None
    object_count: int = 0
    root_object_count: int = 0
    file_size: int | None = None
    url: str | None = None
    partial_data_url: str | None = None
    client_identifier: str | None = None
    result_name: str | None = None

    @property
    def id(self) -> str:
        return f"{BULK_OPERATION_GID_PREFIX}{self.legacy_id}"

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def to_graphql(self) -> dict[str, Any]:
        """The `BulkOperation` object; UnsignedInt64 fields are ints (the scalar serializes)."""
        return {
            "__typename": "BulkOperation",
            "id": self.id,
            "status": self.status.value,
            "type": self.type.value,
            "errorCode": self.error_code.value if self.error_code else None,
            "createdAt": _graphql_datetime(self.created_at),
            "completedAt": _graphql_datetime(self.completed_at) if self.completed_at else None,
            "objectCount": self.object_count,
            "rootObjectCount": self.root_object_count,
            "fileSize": self.file_size,
            "url": self.url,
            "partialDataUrl": self.partial_data_url,
            "query": self.query,
        }


@dataclass(frozen=True, slots=True)
class BulkUserError:
    """A user error; `code` is None for the plain `UserError` of bulkOperationCancel."""

    message: str
    field: list[str] | None = None
    code: str | None = None

    def to_graphql(self) -> dict[str, Any]:
        return {"field": self.field, "message": self.message, "code": self.code}


@dataclass(frozen=True, slots=True)
class BulkPayload:
    """`{bulkOperation, userErrors}` as the run/cancel mutations return it."""

    bulk_operation: BulkOperation | None
    user_errors: list[BulkUserError] = field(default_factory=list)

    def to_graphql(self) -> dict[str, Any]:
        return {
            "bulkOperation": self.bulk_operation.to_graphql() if self.bulk_operation else None,
            "userErrors": [error.to_graphql() for error in self.user_errors],
        }


def parse_bulk_operation_gid(gid: str) -> int | None:
    tail = gid.removeprefix(BULK_OPERATION_GID_PREFIX)
    return int(tail) if tail != gid and is_numeric_id(tail) else None


def _graphql_datetime(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
