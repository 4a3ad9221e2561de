"""Small helpers for batch tests: products with given prices, and reading them back."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.product.factories import create_product

Headers = dict[str, str]
WAIT_LIMIT = 90.0  # a wait, not a timing: large jobs on a loaded 2-core machine


async def priced_product(
    client: httpx.AsyncClient, headers: Headers, title: str, *prices: str, **overrides: Any
) -> dict[str, Any]:
    variants = [{"price": p, "option_values": [f"V{i}"]} for i, p in enumerate(prices)]
    return await create_product(
        client,
        headers,
        title=title,
        options=[{"name": "Size", "values": [f"V{i}" for i in range(len(prices))]}],
        variants=variants,
        **overrides,
    )


async def fetch(client: httpx.AsyncClient, headers: Headers, product_id: int) -> dict[str, Any]:
    r = await client.get(f"/api/products/{product_id}", headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def prices(client: httpx.AsyncClient, headers: Headers, product_id: int) -> list[str]:
    return [v["price"] for v in (await fetch(client, headers, product_id))["variants"]]


async def wait_job(client: httpx.AsyncClient, headers: Headers, job_id: str) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + WAIT_LIMIT
    while True:
        job: dict[str, Any] = (await client.get(f"/api/jobs/{job_id}", headers=headers)).json()
        if job["state"] in ("completed", "failed", "stopped"):
            return job
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"job {job_id} still {job['state']}")
        await asyncio.sleep(0.05)
