"""The ASGI app: Shopify's GraphQL endpoint plus the `/_emulator/` test knobs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from shopify_emulator.api_versions import served_version
from shopify_emulator.config import EmulatorConfig
from shopify_emulator.executor import GraphQLExecutor
from shopify_emulator.faults import Fault
from shopify_emulator.graphql_schema import build_executable_schema
from shopify_emulator.http_common import json_response, token_ok, unauthorized
from shopify_emulator.knobs import knob_routes
from shopify_emulator.money import currency_places
from shopify_emulator.persistence import Snapshotter
from shopify_emulator.resolvers.client_fields import wire_client_fields
from shopify_emulator.rest import rest_routes
from shopify_emulator.state import EmulatorState
from shopify_emulator.wiring import wire_subsystems

_GRAPHQL_PATH = re.compile(r"^/admin/api/([^/]+)/graphql\.json$")
_MISSING_QUERY = {"errors": {"query": "Required parameter missing or invalid"}}

Endpoint = Callable[[Request], Awaitable[Response]]


class _FrontDoor:
    """Counts every HTTP request, formats its amounts in the shop's currency; sends GraphQL
    POSTs straight to their handler.

    The GraphQL endpoint is the hot path, so it skips the router and exception middleware.
    """

    def __init__(self, app: ASGIApp, state: EmulatorState, graphql: Endpoint) -> None:
        self.app = app
        self.state = state
        self.graphql = graphql

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.state.stats.http_requests += 1
        # Amounts in answers, bulk results and webhooks this request causes: the shop's decimals.
        with currency_places(self.state.config.currency_code):
            match = _GRAPHQL_PATH.match(scope["path"])
            if match and scope["method"] == "POST":
                scope["path_params"] = {"version": match.group(1)}
                response = await self.graphql(Request(scope, receive))
                await response(scope, receive, send)
                return
            await self.app(scope, receive, send)


class _DroppedConnection(Response):
    """Starts a response and never finishes it: the client sees the connection die."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"data":', "more_body": True})
        # Returning with the body incomplete makes uvicorn close the socket mid-response.


def _graphql_endpoint(state: EmulatorState, executor: GraphQLExecutor) -> Endpoint:
    async def graphql(request: Request) -> Response:
        version = served_version(request.path_params["version"], state.config.api_versions)
        if version is None:
            return json_response({"errors": "Not Found"}, status_code=404)
        if not token_ok(request, state.config.access_token):
            return unauthorized()
        state.stats.graphql_requests += 1
        fault = state.faults.pick()
        if fault is not None:
            state.stats.faults_injected += 1
            if fault == Fault.ERROR:
                status = state.faults.error_status()
                return json_response({"errors": "Internal Server Error"}, status_code=status)
            if fault == Fault.TIMEOUT:
                await asyncio.sleep(state.config.real_seconds(state.faults.config.timeout_seconds))
                return json_response({"errors": "Service Unavailable"}, status_code=503)
            return _DroppedConnection()
        if state.config.latency_ms > 0:
            await asyncio.sleep(state.config.real_seconds(state.config.latency_ms / 1000))
        raw = await request.body()
        if request.headers.get("content-type", "").startswith("application/graphql"):
            # Shopify also takes the bare document (Airbyte's source polls bulk status so).
            payload = {"query": raw.decode("utf-8", errors="replace")}
        else:
            try:
                payload = json.loads(raw)
            except ValueError:
                return json_response(_MISSING_QUERY, status_code=400)
        query = payload.get("query") if isinstance(payload, dict) else None
        if not isinstance(query, str) or not query.strip():
            return json_response(_MISSING_QUERY, status_code=400)
        variables = payload.get("variables")
        if variables is not None and not isinstance(variables, dict):
            return json_response(_MISSING_QUERY, status_code=400)
        if state.config.public_base_url is None:
            state.config.public_base_url = str(request.base_url).rstrip("/")
        outcome = await executor.run(query, variables, payload.get("operationName"))
        return json_response(
            outcome.body,
            headers={"X-Shopify-API-Version": version, "X-Request-Id": str(uuid.uuid4())},
        )

    return graphql


def create_app(config: EmulatorConfig | None = None) -> Starlette:
    """Build an emulator app; its state is reachable as `app.state.emulator`."""
    config = config or EmulatorConfig()
    state = EmulatorState(config)
    schema = build_executable_schema()
    executor = GraphQLExecutor(state, schema)
    subsystems = wire_subsystems(state, schema, executor)
    wire_client_fields(state, schema)
    snapshotter = Snapshotter(state) if config.state_file is not None else None
    if snapshotter is not None:
        snapshotter.load()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state.loop = asyncio.get_running_loop()
        if snapshotter is not None:
            snapshotter.start()
        for hook in state.hooks.startup:
            await hook()
        try:
            yield
        finally:
            for hook in state.hooks.shutdown:
                await hook()
            state.cancel_timers()
            if snapshotter is not None:
                await snapshotter.stop()
            state.loop = None

    graphql = _graphql_endpoint(state, executor)
    routes: list[BaseRoute] = [
        Route(
            "/admin/api/{version}/graphql.json",
            graphql,
            methods=["POST"],
        ),
        *knob_routes(state, executor),
        *rest_routes(state),
        *subsystems.routes,
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.emulator = state
    app.state.executor = executor
    app.add_middleware(_FrontDoor, state=state, graphql=graphql)
    return app
