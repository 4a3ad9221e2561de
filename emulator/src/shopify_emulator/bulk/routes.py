"""HTTP route serving bulk operation result files (Shopify serves them from signed GCS URLs)."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

RESULTS_PATH = "/_bulk_results"
_NAME = re.compile(r"^[A-Za-z0-9_-]+\.jsonl$")


def bulk_results_route(results_dir: Path) -> Route:
    """`GET /_bulk_results/{name}`: the JSONL file `name` from `results_dir`, else 404."""

    async def serve(request: Request) -> Response:
        name = request.path_params["name"]
        path = results_dir / name
        if not _NAME.fullmatch(name) or not path.is_file():
            return PlainTextResponse("Not Found", status_code=404)
        return FileResponse(path, media_type="application/jsonl")

    return Route(RESULTS_PATH + "/{name}", serve, methods=["GET"])
