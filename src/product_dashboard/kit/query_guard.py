"""Query strings with NUL characters are refused before any route reads them.

No search term, filter or id contains NUL, and neither database takes one in a statement
parameter the same way (SQLite's full-text query parser stops at it, PostgreSQL refuses it in
text): a 400 that says so beats a 500 from deep inside a query.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

_NUL = (b"%00", b"\x00")


class RefuseNulInQuery:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query: bytes = scope.get("query_string", b"")
            if any(marker in query for marker in _NUL):
                await _bad_request(send)
                return
        await self.app(scope, receive, send)


async def _bad_request(send: Send) -> None:
    body = json.dumps(
        {
            "error": "bad_request",
            "detail": "Query parameters must not contain NUL characters (%00).",
            "fields": [],
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


__all__ = ["RefuseNulInQuery"]
