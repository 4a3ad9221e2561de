"""A process killed after storing an event but before processing it: the next one processes it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from product_dashboard.config import Settings
from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.inbound import signing
from product_dashboard.inbound.sample import sample_product_payload
from product_dashboard.main import create_app
from product_dashboard.models import Product, WebhookEvent
from shopify_emulator.testing import free_port
from tests.fixtures.server import serve_in_thread
from tests.fixtures.waiting import wait_until
from tests.inbound.harness import SECRET

pytestmark = pytest.mark.integration

# The doomed process: our real app, its processor off, so it dies with the event unprocessed.
CHILD = """
import sys, uvicorn
from product_dashboard.config import Settings
from product_dashboard.main import create_app
settings = Settings(_env_file=None, webhook_processing_enabled=False)
uvicorn.run(create_app(settings), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


@pytest.mark.slow  # real processes, killed and restarted in real time
async def test_event_stored_by_a_killed_process_is_processed_after_restart(
    settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": settings.database_url,
        "JWT_SECRET": settings.jwt_secret,
        "SHOPIFY_WEBHOOK_SECRET": SECRET,
        "LOG_DIR": str(tmp_path / "child-logs"),
        "DATA_DIR": str(tmp_path / "child-data"),
    }
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        str(port),
        cwd=tmp_path,
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    payload = sample_product_payload()
    body = json.dumps(payload).encode()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:

            async def child_up() -> bool:
                if child.returncode is not None:
                    _, err = await child.communicate()
                    raise AssertionError(f"child died: {err.decode()}")
                try:
                    return (await http.get("/healthz")).status_code == 200
                except httpx.TransportError:
                    return False

            # The child imports and builds the whole app under coverage: ~5 s of CPU, which at a
            # load of 10 on two cores took over 30 s once. Only a failing run waits this long.
            await wait_until(child_up, timeout=90, what="the child app")
            response = await http.post(
                "/webhooks/shopify",
                content=body,
                headers={
                    "X-Shopify-Topic": "products/create",
                    "X-Shopify-Hmac-Sha256": signing.sign(SECRET, body),
                    "X-Shopify-Webhook-Id": "delivery-before-crash",
                },
            )
            assert response.status_code == 200, response.text
    finally:
        child.send_signal(signal.SIGKILL)
        await child.wait()
    assert child.returncode == -signal.SIGKILL

    engine = create_engine(settings.database_url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions() as session:
            event = (await session.scalars(select(WebhookEvent))).one()
            assert (event.state, event.attempts) == ("pending", 0)  # acknowledged = stored

        restarted = settings.model_copy(update={"shopify_webhook_secret": SECRET})
        with serve_in_thread(create_app(restarted)):

            async def processed() -> bool:
                async with sessions() as session:
                    row = (await session.scalars(select(WebhookEvent))).one()
                    return row.state == "processed"

            await wait_until(processed, what="the stored event to be processed")
        async with sessions() as session:
            event = (await session.scalars(select(WebhookEvent))).one()
            assert (event.outcome, event.attempts) == ("created", 1)
            product = (await session.scalars(select(Product))).one()
            assert product.shopify_product_id == payload["admin_graphql_api_id"]
            assert product.title == payload["title"]
    finally:
        await engine.dispose()
