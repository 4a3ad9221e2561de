"""No two API routes can match the same request, so the order routers are included in does not
matter (ids are `{name:int}`, so `/api/products/import` is never taken for a product id)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import compile_path

from product_dashboard.config import Settings
from product_dashboard.main import create_app

pytestmark = pytest.mark.quick

_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")
_SAMPLE = {"int": "12345", "path": "some/page", None: "abc-123"}


def api_routes(app: FastAPI) -> Iterator[APIRoute]:
    for route in app.routes:
        if isinstance(route, APIRoute):
            yield route
        original = getattr(route, "original_router", None)  # an included router
        if original is not None:
            yield from (r for r in original.routes if isinstance(r, APIRoute))


def sample(path: str) -> str:
    return _PARAM.sub(lambda m: _SAMPLE.get(m.group(2), "abc-123"), path)


def test_no_request_matches_two_routes() -> None:
    app = create_app(Settings(_env_file=None, jwt_secret="route-order-" + "x" * 30))
    routes = [r for r in api_routes(app) if not r.path.startswith("/{path")]  # the page fallback
    assert len(routes) > 80
    clashes = []
    for route in routes:
        request_path = sample(route.path)
        for other in routes:
            if other is route or not (route.methods & other.methods):
                continue
            if compile_path(other.path)[0].match(request_path):
                clashes.append(f"{sorted(route.methods)} {route.path} also matches {other.path}")
    assert clashes == [], "\n".join(clashes)


def test_the_check_sees_a_clash() -> None:
    assert compile_path("/api/products/{product_id}")[0].match(sample("/api/products/import"))
    assert not compile_path("/api/products/{product_id:int}")[0].match("/api/products/import")
