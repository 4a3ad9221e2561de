"""`/_emulator/*`: reset, seed, config, faults, merchant edits and stats for tests and demos."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shopify_emulator.catalog.merchant_edit import merchant_edit
from shopify_emulator.catalog.product_crud import product_delete
from shopify_emulator.config import Plan
from shopify_emulator.executor import GraphQLExecutor
from shopify_emulator.faults import FaultConfig
from shopify_emulator.gid import is_numeric_id
from shopify_emulator.http_common import json_response, token_ok, unauthorized
from shopify_emulator.sales import SalesSimulator
from shopify_emulator.seed import seed_collections, seed_products
from shopify_emulator.state import EmulatorState

Handler = Callable[[Request], Awaitable[Response]]

_CONFIG_FIELDS = {
    "latency_ms": float,
    "bulk_rate": float,
    "bulk_startup_seconds": float,
    "async_completion_seconds": float,
    "webhook_time_scale": float,
    "time_scale": float,
    "shop_name": str,
    "currency_code": str,
}


def _product_gid(reference: str) -> str:
    """Accept a legacy numeric id or a gid."""
    return f"gid://shopify/Product/{reference}" if is_numeric_id(reference) else reference


def _positive_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def _bad_request(message: str) -> Response:
    return json_response({"errors": message}, status_code=400)


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


def _guarded(
    state: EmulatorState, handler: Callable[[Request, dict[str, Any]], Awaitable[Response]]
) -> Handler:
    async def endpoint(request: Request) -> Response:
        if not token_ok(request, state.config.access_token):
            return unauthorized()
        try:
            body = await _json_body(request) if request.method == "POST" else {}
        except ValueError as exc:
            return _bad_request(f"Invalid JSON body: {exc}")
        return await handler(request, body)

    return endpoint


def config_view(state: EmulatorState) -> dict[str, Any]:
    config = state.config
    return {
        "plan": config.plan.value,
        "latency_ms": config.latency_ms,
        "bulk_rate": config.bulk_rate,
        "bulk_startup_seconds": config.bulk_startup_seconds,
        "async_completion_seconds": config.async_completion_seconds,
        "webhook_time_scale": config.webhook_time_scale,
        "time_scale": config.time_scale,
        "shop_name": config.shop_name,
        "currency_code": config.currency_code,
        "shop_domain": config.shop_domain,
        "bucket_size": config.bucket_size,
        "restore_rate": config.restore_rate,
    }


def stats_view(state: EmulatorState, executor: GraphQLExecutor) -> dict[str, Any]:
    store = state.store
    return {
        **state.stats.as_dict(),
        "products": len(store.products),
        "variants": len(store.variants),
        "collections": len(store.collections),
        "document_cache_hits": executor.cache.hits,
        "document_cache_misses": executor.cache.misses,
        "throttle_status": state.bucket.status().as_json(),
        **{name: provide() for name, provide in state.hooks.stats.items()},
    }


def knob_routes(state: EmulatorState, executor: GraphQLExecutor) -> list[Route]:
    sales = SalesSimulator(state)
    state.hooks.reset.append(sales.reset)

    async def reset(request: Request, body: dict[str, Any]) -> Response:
        state.cancel_timers()
        state.store.clear()
        state.operations.clear()
        state.stats.reset()
        state.bucket.reset()
        state.faults.configure(FaultConfig())
        for hook in state.hooks.reset:
            hook()
        return json_response({"ok": True})

    async def seed(request: Request, body: dict[str, Any]) -> Response:
        count = body.get("products", 0)
        if not isinstance(count, int) or count < 0 or count > 200_000:
            return _bad_request("products must be an integer between 0 and 200000")
        locations = body.get("locations", 1)
        if not isinstance(locations, int) or isinstance(locations, bool) or not 1 <= locations <= 5:
            return _bad_request("locations must be an integer from 1 to 5")
        state.store.ensure_locations(locations)
        names = body.get("metaobjects", [])
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            return _bad_request("metaobjects must be a list of display names")
        metaobjects = [state.store.add_metaobject(name) for name in names]
        created = seed_products(state.store, count, body.get("seed"))
        collections = (
            seed_collections(state.store, body.get("seed")) if body.get("collections") else []
        )
        return json_response(
            {
                "products": len(created),
                "collections": len(collections),
                "product_ids": [p.gid for p in created[:1000]],
                "total_products": len(state.store.products),
                "locations": [location.gid for location in state.store.locations.values()],
                "metaobjects": metaobjects,
            }
        )

    async def config(request: Request, body: dict[str, Any]) -> Response:
        try:
            plan = Plan(body.get("plan", state.config.plan))
        except ValueError:
            return _bad_request(f"unknown plan {body['plan']!r}")
        if "time_scale" in body and not _positive_number(body["time_scale"]):
            return _bad_request("time_scale must be a positive number")
        for name, cast in _CONFIG_FIELDS.items():
            if name in body:
                try:
                    setattr(state.config, name, cast(body[name]))
                except (TypeError, ValueError):
                    return _bad_request(f"invalid value for {name}")
        if "plan" in body or "time_scale" in body:
            state.apply_plan(plan)  # the bucket's restore rate follows both
        for hook in state.hooks.reconfigure:
            hook(body)
        return json_response(config_view(state))

    async def faults(request: Request, body: dict[str, Any]) -> Response:
        if request.method == "POST":
            storm = body.pop("throttle_storm_seconds", None)
            try:
                state.faults.configure(FaultConfig(**body))
            except TypeError as exc:
                return _bad_request(str(exc))
            if storm:
                state.bucket.storm_from_next_request(state.config.real_seconds(float(storm)))
        return json_response(state.faults.config.as_dict())

    async def edit(request: Request, body: dict[str, Any]) -> Response:
        result = merchant_edit(state.store, request.path_params["product_id"], body)
        if result.product is None:
            status = 404 if result.not_found else 422
            return json_response(
                {"errors": [e.__dict__ for e in result.errors]}, status_code=status
            )
        return json_response(
            {
                "id": result.product.gid,
                "changed": result.changed,
                "updated_at": result.product.updated_at.isoformat(),
            }
        )

    async def delete(request: Request, body: dict[str, Any]) -> Response:
        deleted, errors = product_delete(
            state.store, _product_gid(request.path_params["product_id"])
        )
        if deleted is None:
            return json_response({"errors": [e.__dict__ for e in errors]}, status_code=404)
        return json_response({"deleted": deleted})

    async def sales_knob(request: Request, body: dict[str, Any]) -> Response:
        if request.method == "POST":
            rate = body.get("orders_per_second", 0)
            if not isinstance(rate, int | float) or isinstance(rate, bool) or not 0 <= rate <= 1000:
                return _bad_request("orders_per_second must be a number from 0 to 1000")
            seed = body.get("seed")
            if seed is not None and not isinstance(seed, int):
                return _bad_request("seed must be an integer")
            sales.start(float(rate), seed)
        return json_response(sales.view())

    async def stats(request: Request, body: dict[str, Any]) -> Response:
        return json_response(stats_view(state, executor))

    async def health(request: Request) -> Response:
        return json_response({"ok": True})

    return [
        Route("/_emulator/health", health, methods=["GET"]),
        Route("/_emulator/reset", _guarded(state, reset), methods=["POST"]),
        Route("/_emulator/seed", _guarded(state, seed), methods=["POST"]),
        Route("/_emulator/config", _guarded(state, config), methods=["GET", "POST"]),
        Route("/_emulator/faults", _guarded(state, faults), methods=["GET", "POST"]),
        Route("/_emulator/sales", _guarded(state, sales_knob), methods=["GET", "POST"]),
        Route(
            "/_emulator/products/{product_id:path}/edit", _guarded(state, edit), methods=["POST"]
        ),
        Route(
            "/_emulator/products/{product_id:path}/delete",
            _guarded(state, delete),
            methods=["POST"],
        ),
        Route("/_emulator/stats", _guarded(state, stats), methods=["GET"]),
    ]
