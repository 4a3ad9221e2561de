"""Errors raised by the Shopify Admin API client.

Our exception hierarchy:

* ShopifyError
  + TransportError                  -- nothing usable came back over the wire (retryable)
    - RequestTimeout
    - ConnectionDropped
  + HTTPStatusError                 -- a non-2xx HTTP status
    - ServerError                   -- 5xx (retryable)
    - AuthenticationError           -- 401 / 403
    - NotFoundError                 -- 404 (wrong store URL or API version)
  + ThrottledError                  -- THROTTLED / HTTP 429; carries the wait needed (retryable)
  + GraphQLError                    -- top-level `errors` other than THROTTLED (not retried)
    - MaxCostExceeded               -- requested cost above the single-query cap
  + UserErrors                      -- a mutation payload's `userErrors`
    - BulkOperationInProgress       -- no free bulk slot: LIMIT_REACHED (five per shop from
                                       2026-01) or OPERATION_IN_PROGRESS (older versions)
  + CircuitOpenError                -- the store's circuit breaker is open; failing fast
  + BulkOperationError              -- a bulk operation ended FAILED / CANCELED / EXPIRED
  + StagedUploadError               -- the staged upload target rejected the file

Every class says through `retryable` whether sending the same request again may succeed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from product_dashboard.shopify.types import ThrottleStatus

__all__ = [
    "AuthenticationError",
    "BulkOperationError",
    "BulkOperationInProgress",
    "CircuitOpenError",
    "ConnectionDropped",
    "GraphQLError",
    "HTTPStatusError",
    "MaxCostExceeded",
    "NotFoundError",
    "RequestTimeout",
    "ServerError",
    "ShopifyError",
    "StagedUploadError",
    "ThrottledError",
    "TransportError",
    "UserError",
    "UserErrors",
    "raise_for_user_errors",
    "user_errors_in",
]


class ShopifyError(Exception):
    """Base class of every error the Shopify client raises."""

    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransportError(ShopifyError):
    """The request did not produce a usable HTTP response."""

    retryable = True

    def __init__(self, message: str, *, request_sent: bool = True) -> None:
        super().__init__(message)
        # False when we know the request never reached Shopify (connect error, pool timeout):
        # then even a non-idempotent mutation is safe to resend.
        self.request_sent = request_sent


class RequestTimeout(TransportError):
    """Connect, read, write or pool timeout."""


class ConnectionDropped(TransportError):
    """The connection failed or was closed before a complete response arrived."""


class HTTPStatusError(ShopifyError):
    """Shopify answered with a non-2xx status."""

    def __init__(self, message: str, *, status_code: int, body: str = "") -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body


class ServerError(HTTPStatusError):
    """5xx: Shopify-side failure, usually transient."""

    retryable = True


class AuthenticationError(HTTPStatusError):
    """401/403: the access token is missing, invalid, revoked or lacks a scope."""


class NotFoundError(HTTPStatusError):
    """404: wrong store URL or unsupported API version."""


class ThrottledError(ShopifyError):
    """The cost bucket cannot hold the requested cost yet; `wait_seconds` says how long."""

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        wait_seconds: float,
        requested_cost: int | None = None,
        throttle_status: ThrottleStatus | None = None,
    ) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds
        self.requested_cost = requested_cost
        self.throttle_status = throttle_status


class GraphQLError(ShopifyError):
    """Top-level GraphQL `errors` other than THROTTLED; resending the same document fails again."""

    def __init__(
        self,
        message: str,
        *,
        errors: Sequence[Mapping[str, Any]],
        data: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.errors: list[Mapping[str, Any]] = list(errors)
        self.data = data

    @property
    def codes(self) -> list[str]:
        """The `extensions.code` of each error that has one."""
        codes: list[str] = []
        for error in self.errors:
            extensions = error.get("extensions")
            if isinstance(extensions, Mapping) and isinstance(extensions.get("code"), str):
                codes.append(extensions["code"])
        return codes


class MaxCostExceeded(GraphQLError):
    """The document's requested cost is above the single-query cap (1,000 points)."""


@dataclass(frozen=True, slots=True)
class UserError:
    """One entry of a mutation payload's `userErrors`."""

    field: tuple[str, ...] | None
    message: str
    code: str | None = None

    @classmethod
    def from_payload(cls, raw: Mapping[str, Any]) -> UserError:
        field = raw.get("field")
        return cls(
            field=tuple(str(part) for part in field) if field else None,
            message=str(raw.get("message", "")),
            code=raw.get("code"),
        )


class UserErrors(ShopifyError):
    """The mutation ran but Shopify refused the input; fix the input, do not retry."""

    def __init__(self, message: str, *, errors: Sequence[UserError], mutation: str = "") -> None:
        super().__init__(message)
        self.errors = list(errors)
        self.mutation = mutation

    @property
    def codes(self) -> list[str]:
        """The code of each user error that has one."""
        return [error.code for error in self.errors if error.code]


class BulkOperationInProgress(UserErrors):
    """Another bulk operation of the same type is running on this store."""


class CircuitOpenError(ShopifyError):
    """The store's circuit breaker is open: recent calls kept failing, so we fail fast."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BulkOperationError(ShopifyError):
    """A bulk operation reached a terminal status other than COMPLETED."""

    def __init__(
        self, message: str, *, status: str, error_code: str | None, partial_data_url: str | None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.partial_data_url = partial_data_url


class StagedUploadError(ShopifyError):
    """A staged upload was refused (its target, or stagedUploadsCreate)."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


def user_errors_in(payload: Mapping[str, Any] | None) -> list[UserError]:
    """The `userErrors` of a mutation payload, parsed."""
    if not payload:
        return []
    return [UserError.from_payload(raw) for raw in payload.get("userErrors") or ()]


def raise_for_user_errors(payload: Mapping[str, Any] | None, mutation: str) -> None:
    """Raise UserErrors (or BulkOperationInProgress) when the payload reports any."""
    errors = user_errors_in(payload)
    if not errors:
        return
    summary = "; ".join(f"{'.'.join(e.field) + ': ' if e.field else ''}{e.message}" for e in errors)
    error_cls = (
        BulkOperationInProgress
        if any(e.code in ("LIMIT_REACHED", "OPERATION_IN_PROGRESS") for e in errors)
        else UserErrors
    )
    raise error_cls(f"{mutation} refused: {summary}", errors=errors, mutation=mutation)
