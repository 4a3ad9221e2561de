"""Errors the application raises on purpose, each rendered as one JSON envelope.

AppError (500 unless a subclass says otherwise)
 ├── BadRequest (400)
 ├── Unauthorized (401)
 ├── Forbidden (403)
 ├── NotFound (404)
 ├── Conflict (409)
 ├── Unprocessable (422)
 └── TooManyRequests (429)

The envelope is `{"error": <kind>, "detail": <message>, "fields": [{"loc": [...], "msg": ...}]}`.
Anything that is not an AppError is unexpected: a logged 500 that carries the request id.
"""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    status_code: int = 500
    kind: str = "internal_error"

    def __init__(
        self,
        detail: str,
        *,
        fields: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fields = fields or []
        self.extra = extra or {}
        self.headers = headers

    def to_body(self) -> dict[str, Any]:
        return {"error": self.kind, "detail": self.detail, "fields": self.fields, **self.extra}


class BadRequest(AppError):
    status_code = 400
    kind = "bad_request"


class Unauthorized(AppError):
    status_code = 401
    kind = "unauthorized"

    def __init__(self, detail: str = "Not authenticated", **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kwargs)


class Forbidden(AppError):
    status_code = 403
    kind = "forbidden"


class NotFound(AppError):
    status_code = 404
    kind = "not_found"


class Conflict(AppError):
    status_code = 409
    kind = "conflict"


class Unprocessable(AppError):
    status_code = 422
    kind = "validation_error"


class TooManyRequests(AppError):
    status_code = 429
    kind = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"Retry-After": str(retry_after)})
        super().__init__(detail, **kwargs)
        self.retry_after = retry_after
