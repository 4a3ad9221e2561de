"""A size limit on request bodies per route, enforced before and while they are read.

A body announced larger than its route allows is refused at once (413) without reading a byte; a
body that streams past it (chunked, or with a Content-Length that lies) is cut off at the limit.
Nothing reads a body before this, so an anonymous 300 MB upload costs at most one limit's worth.

Not Starlette's `RequestBodyLimitMiddleware` (FastAPI's `max_body_size`): when a request announces
more than its limit, that one replaces whatever response the app sends, our JSON error included,
with a plain-text "Content Too Large", and its 413 cannot say what the limit was.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MiB = 1024 * 1024


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(
            413, f"The request body is larger than this route allows ({limit:,} bytes)."
        )


class BodySizeLimit:
    """`limits` maps exact paths to their own limit, `patterns` paths with parameters (the
    first that matches); every other path has `default`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        default: int,
        limits: Mapping[str, int],
        patterns: Sequence[tuple[re.Pattern[str], int]] = (),
    ) -> None:
        self.app = app
        self.default = default
        self.limits = dict(limits)
        self.patterns = tuple(patterns)

    def _limit(self, path: str) -> int:
        if path in self.limits:
            return self.limits[path]
        for pattern, limit in self.patterns:
            if pattern.match(path):
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        announced = _content_length(scope)
        if announced is not None and announced > limit:
            await _refuse(send, BodyTooLarge(limit))
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length before we see it
    return None


async def _refuse(send: Send, error: BodyTooLarge) -> None:
    body = json.dumps({"error": "payload_too_large", "detail": error.detail, "fields": []})
    await send(
        {
            "type": "http.response.start",
            "status": error.status_code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})


__all__ = ["BodySizeLimit", "BodyTooLarge", "MiB"]
