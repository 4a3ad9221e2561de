"""`shopify-emulator serve …`: run the emulator with uvicorn."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from shopify_emulator.app import create_app
from shopify_emulator.config import (
    REALISTIC_BULK_RATE,
    REALISTIC_BULK_STARTUP_SECONDS,
    EmulatorConfig,
    Plan,
)
from shopify_emulator.gc_tuning import tune_for_server

app = typer.Typer(help="A local emulator of Shopify's Admin GraphQL API (2026-10).")


@app.callback()
def main() -> None:
    """Shopify Admin API emulator."""


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8787,
    plan: Annotated[
        Plan, typer.Option(help="Shopify plan (sets the cost bucket).")
    ] = Plan.STANDARD,
    latency_ms: Annotated[float, typer.Option(help="Added latency per GraphQL request.")] = 0.0,
    bulk_rate: Annotated[
        float, typer.Option(help="Bulk lines per second per operation (0: unpaced).")
    ] = REALISTIC_BULK_RATE,
    bulk_startup_seconds: Annotated[
        float, typer.Option(help="Start-up time of each bulk operation.")
    ] = REALISTIC_BULK_STARTUP_SECONDS,
    # Secrets come from the environment, so they never show in `ps` (a command line does).
    access_token: Annotated[
        str,
        typer.Option(
            envvar="SHOPIFY_EMULATOR_ACCESS_TOKEN", help="Required X-Shopify-Access-Token."
        ),
    ] = "shpat_emulator",
    webhook_secret: Annotated[
        str,
        typer.Option(envvar="SHOPIFY_EMULATOR_WEBHOOK_SECRET", help="Secret for webhook HMACs."),
    ] = "emulator-webhook-secret",
    state: Annotated[
        Path | None, typer.Option(help="SQLite file keeping the store across restarts.")
    ] = None,
    shop_domain: Annotated[str, typer.Option(help="The shop's myshopify domain.")] = (
        "emulator-store.myshopify.com"
    ),
    public_url: Annotated[
        str | None, typer.Option(help="Base URL clients use (for staged uploads, bulk results).")
    ] = None,
) -> None:
    """Serve the emulator until interrupted."""
    config = EmulatorConfig(
        plan=plan,
        latency_ms=latency_ms,
        bulk_rate=bulk_rate,
        bulk_startup_seconds=bulk_startup_seconds,
        access_token=access_token,
        webhook_secret=webhook_secret,
        state_file=state,
        shop_domain=shop_domain,
        public_base_url=public_url or f"http://{host}:{port}",
    )
    tune_for_server()
    uvicorn.run(
        create_app(config),
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        timeout_graceful_shutdown=3,
    )
