"""HTTP route serving bulk operation result files (Shopify serves them from signed GCS URLs)."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

RESULTS_PATH = "/_bulk_results"
_NAME = re.compile(r"^[A-Za-z0-9_-]+\.jsonl$")
# Shopify's result links stay valid for a week, like the results themselves.
LINK_LIFETIME = timedelta(days=7)
_SIGNER = "bulk-results@shopify-emulator.iam.gserviceaccount.com"


class _ResultFile(FileResponse):
    """Sent in chunks of 4 MiB, not Starlette's 64 KiB: each chunk waits for a turn of the
    event loop, which a bulk query being built holds for a page at a time, and Shopify's
    storage serves a file at network speed whatever the shop's exports are doing."""

    chunk_size = 4 << 20


def signed_result_url(
    base_url: str, name: str, download_name: str, now: datetime, secret: bytes
) -> str:
    """A link shaped like Shopify's signed storage URL for a result file.

    Clients name the downloaded file after the `filename` in `response-content-disposition`
    (Airbyte's Shopify source does), so the link carries it as Shopify's does.
    """
    expires = str(int((now + LINK_LIFETIME).timestamp()))
    signature = hmac.new(secret, f"{name}\n{expires}".encode(), hashlib.sha256).hexdigest()
    disposition = f"attachment; filename=\"{download_name}\"; filename*=UTF-8''{download_name}"
    query = urlencode(
        {
            "GoogleAccessId": _SIGNER,
            "Expires": expires,
            "Signature": signature,
            "response-content-disposition": disposition,
            "response-content-type": "application/jsonl",
        },
        quote_via=quote,
        safe="",
    )
    return f"{base_url.rstrip('/')}{RESULTS_PATH}/{name}?{query}"


def bulk_results_route(results_dir: Path) -> Route:
    """`GET /_bulk_results/{name}`: the JSONL file `name` from `results_dir`, else 404."""

    async def serve(request: Request) -> Response:
        name = request.path_params["name"]
        path = results_dir / name
        if not _NAME.fullmatch(name) or not path.is_file():
            return PlainTextResponse("Not Found", status_code=404)
        disposition = request.query_params.get("response-content-disposition")
        headers = {"Content-Disposition": disposition} if disposition else None
        return _ResultFile(path, media_type="application/jsonl", headers=headers)

    return Route(RESULTS_PATH + "/{name}", serve, methods=["GET"])
