"""Authentication and JSON helpers shared by the GraphQL endpoint and the knobs."""

from __future__ import annotations

import hmac
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

INVALID_TOKEN_BODY = {
    "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
}


def json_response(
    body: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        status_code=status_code,
        media_type="application/json; charset=utf-8",
        headers=headers,
    )


def token_ok(request: Request, expected: str) -> bool:
    given = request.headers.get("x-shopify-access-token", "")
    return hmac.compare_digest(given.encode(), expected.encode())


def unauthorized() -> Response:
    return json_response(INVALID_TOKEN_BODY, status_code=401)
