"""`/healthz` (the process answers) and `/readyz` (the database answers and is migrated; warnings,
such as the store answering in another Admin API version than asked, ride along)."""

from __future__ import annotations

import asyncio
import hmac
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from product_dashboard import migrate
from product_dashboard.config import Settings, SettingsDep
from product_dashboard.db import EngineDep
from product_dashboard.exceptions import AppError, Forbidden, Unauthorized
from product_dashboard.monitoring.metrics import CONTENT_TYPE_LATEST, render_latest
from product_dashboard.store_gateway import StoreGateway, StoreGatewayDep

READINESS_TIMEOUT_SECONDS = 5.0

router = APIRouter(tags=["monitoring"])


class NotReady(AppError):
    status_code = 503
    kind = "not_ready"


@lru_cache(maxsize=1)
def _head_revision() -> str | None:
    return migrate.head_revision()


async def _check_database(engine: AsyncEngine) -> dict[str, Any]:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    current = await migrate.current_revision(engine)
    return {"database": "ok", "migration": current, "head": _head_revision()}


@router.get("/healthz", summary="Liveness: the process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: the database is reachable and migrated to the latest revision",
    responses={503: {"description": "Not ready; `checks` says why"}},
)
async def readyz(engine: EngineDep, gateway: StoreGatewayDep) -> dict[str, Any]:
    try:
        checks = await asyncio.wait_for(_check_database(engine), READINESS_TIMEOUT_SECONDS)
    except TimeoutError as exc:
        raise NotReady(
            "The database did not answer in time.", extra={"checks": {"database": "timeout"}}
        ) from exc
    except Exception as exc:  # any driver error means "not ready", never a 500
        raise NotReady(
            f"The database is unreachable: {type(exc).__name__}.",
            extra={"checks": {"database": "unreachable"}},
        ) from exc
    if checks["migration"] != checks["head"]:
        raise NotReady(
            f"The database is at migration {checks['migration']}, not {checks['head']}: "
            "run `product-dashboard migrate`.",
            extra={"checks": checks},
        )
    result: dict[str, Any] = {"status": "ready", "checks": checks}
    if warnings := _warnings(gateway):
        result["warnings"] = warnings
    return result


def _warnings(gateway: StoreGateway) -> list[dict[str, Any]]:
    """What does not stop the service but needs the operator's eye."""
    mismatch = gateway.version_watch.mismatch
    if mismatch is None:
        return []
    return [
        {
            "kind": "shopify_api_version",
            "message": f"Shopify answers Admin API {mismatch.asked} requests as {mismatch.served}: "
            "set SHOPIFY_API_VERSION to a supported version.",
            **mismatch.model_dump(),
        }
    ]


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def _metrics_allowed(request: Request, settings: Settings) -> None:
    """With METRICS_TOKEN set, the scraper sends it as a bearer token; without one, only this
    machine may read the metrics (they name routes, job types and volumes)."""
    token = settings.metrics_token
    if token:
        scheme, _, given = (request.headers.get("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), token.encode()):
            raise Unauthorized("Send METRICS_TOKEN as a bearer token to read /metrics.")
        return
    client = request.client.host if request.client else None
    if client not in LOOPBACK_HOSTS:
        raise Forbidden("/metrics answers this machine only; set METRICS_TOKEN to scrape it.")


@router.get(
    "/metrics",
    summary="Prometheus metrics (METRICS_TOKEN as bearer token, or from this machine)",
    response_class=Response,
)
async def prometheus_metrics(request: Request, settings: SettingsDep) -> Response:
    _metrics_allowed(request, settings)
    return Response(render_latest(), media_type=CONTENT_TYPE_LATEST)
