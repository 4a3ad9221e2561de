"""Render every error as the one JSON envelope described in `exceptions`."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from product_dashboard.exceptions import AppError
from product_dashboard.kit.request_id import current_request_id

logger = logging.getLogger(__name__)

_HTTP_KINDS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


def _envelope(kind: str, detail: str, fields: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"error": kind, "detail": detail, "fields": fields or []}


def _validation_fields(exc: RequestValidationError) -> list[dict[str, Any]]:
    fields = []
    for error in exc.errors():
        loc = [part for part in error.get("loc", ()) if part != "body" or len(error["loc"]) == 1]
        fields.append({"loc": loc, "msg": str(error.get("msg", "invalid value"))})
    return fields


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return JSONResponse(exc.to_body(), status_code=exc.status_code, headers=exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = _validation_fields(exc)
    summary = "; ".join(
        f"{'.'.join(str(p) for p in f['loc']) or 'body'}: {f['msg']}" for f in fields[:5]
    )
    return JSONResponse(
        _envelope("validation_error", f"Invalid request: {summary}", fields), status_code=422
    )


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    kind = _HTTP_KINDS.get(exc.status_code, "http_error")
    return JSONResponse(
        _envelope(kind, str(exc.detail)),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    request_id = current_request_id() or getattr(request.state, "request_id", None)
    logger.exception(
        "Unhandled error on %s %s (request %s)", request.method, request.url.path, request_id
    )
    body = _envelope("internal_error", "An unexpected error occurred; it has been logged.")
    body["request_id"] = request_id
    return JSONResponse(body, status_code=500, headers={"X-Request-ID": request_id or ""})


BUSY_RETRY_AFTER = 10  # seconds: a long write (an import) holds SQLite's lock for minutes


async def _database_busy(request: Request, exc: Exception) -> JSONResponse:
    """SQLite: another transaction held the write lock past the busy timeout (an import runs
    its whole file in one). The request's transaction was rolled back: say so, and when to try
    again, instead of an unexpected error. Any other OperationalError is one."""
    assert isinstance(exc, OperationalError)
    if "database is locked" not in str(exc.orig):
        return await _unexpected_error(request, exc)
    logger.warning("%s %s: the database is locked; nothing saved", request.method, request.url.path)
    return JSONResponse(
        _envelope(
            "database_busy",
            "The database is busy with a long write (an import or a batch edit); nothing was "
            "saved. Try again in a moment.",
        ),
        status_code=503,
        headers={"Retry-After": str(BUSY_RETRY_AFTER)},
    )


def install_exception_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OperationalError, _database_busy)
    app.add_exception_handler(Exception, _unexpected_error)
