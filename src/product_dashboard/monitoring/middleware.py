"""One ASGI middleware that times every HTTP request, counts it in Prometheus, and logs it."""

from __future__ import annotations

import logging
import time

from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from product_dashboard.monitoring import metrics

access_logger = logging.getLogger("product_dashboard.access")

# Clients choose the method string: anything unusual shares one label, keeping cardinality bounded.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "OTHER"


def _fastapi_effective_path(scope: Scope) -> str | None:
    """The full template FastAPI (0.13x+) records for routes reached through include_router.

    `scope["route"]` then holds the router's own route, whose path lacks any include prefix.
    """
    fastapi_scope = scope.get("fastapi")
    if not isinstance(fastapi_scope, dict):
        return None
    path = getattr(fastapi_scope.get("effective_route_context"), "path_format", None)
    return path if isinstance(path, str) and path else None


def route_template(scope: Scope) -> str:
    """The matched route's path template, or a fixed label when nothing matched (404s)."""
    effective = _fastapi_effective_path(scope)
    if effective is not None:
        return effective
    route: BaseRoute | None = scope.get("route")
    if isinstance(route, Route | WebSocketRoute):
        return route.path
    if isinstance(route, Mount):
        return f"{route.path}/{{path}}"
    return metrics.UNMATCHED_ROUTE


class ObservabilityMiddleware:
    """Measure, count and log each HTTP request; put it outermost but inside the request id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        method = scope["method"] if scope["method"] in KNOWN_METHODS else OTHER_METHOD
        status = 500
        started = time.perf_counter()
        in_progress = metrics.HTTP_IN_PROGRESS.labels(method=method)
        in_progress.inc()

        async def send_recording_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_recording_status)
        except BaseException:
            status = 500
            raise
        finally:
            duration = time.perf_counter() - started
            in_progress.dec()
            route = route_template(scope)
            metrics.HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            metrics.HTTP_LATENCY.labels(method=method, route=route).observe(duration)
            if status >= 500:
                metrics.HTTP_ERRORS.labels(method=method, route=route).inc()
            access_logger.info(
                "%s %s %d %.1fms", scope["method"], scope.get("path", ""), status, duration * 1000
            )
