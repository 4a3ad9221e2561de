"""The few REST Admin endpoints extraction clients still call before any GraphQL: the shop
(`/admin/api/{version}/shop.json`, a connection check) and the token's access scopes
(`/admin/oauth/access_scopes.json`). Same token check as the GraphQL endpoint."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shopify_emulator.clock import format_datetime
from shopify_emulator.config import PLAN_DISPLAY_NAMES, Plan
from shopify_emulator.http_common import json_response, token_ok, unauthorized
from shopify_emulator.state import EmulatorState

# What the emulator lets a token do: everything it emulates.
ACCESS_SCOPES = (
    "read_products",
    "write_products",
    "read_inventory",
    "write_inventory",
    "read_locations",
    "read_publications",
)
_PLAN_NAMES = {
    Plan.STANDARD: "basic",
    Plan.ADVANCED: "advanced",
    Plan.PLUS: "shopify_plus",
    Plan.ENTERPRISE: "enterprise",
    Plan.UNLIMITED: "partner_test",
}
_WEIGHT_UNITS = {"GRAMS": "g", "KILOGRAMS": "kg", "OUNCES": "oz", "POUNDS": "lb"}


def shop_resource(state: EmulatorState) -> dict[str, Any]:
    """The REST `shop` resource (snake_case, numeric id) of the emulated shop."""
    config, store = state.config, state.store
    created = format_datetime(store.created_at)
    return {
        "id": store.location_id + 1,  # the Shop gid's number (see `queries.shop`)
        "name": config.shop_name,
        "email": f"owner@{config.shop_domain}",
        "customer_email": f"owner@{config.shop_domain}",
        "domain": config.shop_domain,
        "myshopify_domain": config.shop_domain,
        "created_at": created,
        "updated_at": created,
        "currency": config.currency_code,
        "enabled_presentment_currencies": [config.currency_code],
        "iana_timezone": config.iana_timezone,
        "weight_unit": _WEIGHT_UNITS.get(config.weight_unit, "kg"),
        "plan_name": _PLAN_NAMES[config.plan],
        "plan_display_name": PLAN_DISPLAY_NAMES[config.plan],
        "primary_location_id": store.location_id,
        "multi_location_enabled": True,
        "password_enabled": False,
        "has_storefront": True,
        "setup_required": False,
        "taxes_included": False,
    }


def rest_routes(state: EmulatorState) -> list[Route]:
    async def shop(request: Request) -> Response:
        if request.path_params["version"] not in state.config.api_versions:
            return json_response({"errors": "Not Found"}, status_code=404)
        if not token_ok(request, state.config.access_token):
            return unauthorized()
        return json_response(
            {"shop": shop_resource(state)},
            headers={"X-Shopify-API-Version": request.path_params["version"]},
        )

    async def access_scopes(request: Request) -> Response:
        if not token_ok(request, state.config.access_token):
            return unauthorized()
        return json_response({"access_scopes": [{"handle": h} for h in ACCESS_SCOPES]})

    return [
        Route("/admin/api/{version}/shop.json", shop, methods=["GET"]),
        Route("/admin/oauth/access_scopes.json", access_scopes, methods=["GET"]),
    ]
