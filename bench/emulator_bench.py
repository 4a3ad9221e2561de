"""Emulator throughput on loopback: small GraphQL requests/s, productSet/s, bulk mutation lines/s.

Starts `shopify-emulator serve --plan unlimited` in a child process (so client and server do not
share a GIL), drives it with an async httpx client at a fixed concurrency, and prints a table.

    .venv/bin/python bench/emulator_bench.py [--requests 2000] [--concurrency 8] [--bulk 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import psutil

from shopify_emulator.testing import free_port

TOKEN = "bench-token"
API = "/admin/api/2026-10/graphql.json"
HEADERS = {"X-Shopify-Access-Token": TOKEN}
SHOP_QUERY = "{ shop { name } }"
PRODUCTS_QUERY = "{ products(first: 10) { nodes { id title handle updatedAt } } }"
PRODUCTS_VARIANTS_QUERY = (
    "{ products(first: 10) { nodes { id title handle updatedAt "
    "variants(first: 5) { nodes { id sku price } } } } }"
)
PRODUCT_SET = (
    "mutation Set($input: ProductSetInput!, $identifier: ProductSetIdentifiers) "
    "{ productSet(input: $input, identifier: $identifier) "
    "{ product { id updatedAt } userErrors { field message code } } }"
)


def start_server(port: int) -> subprocess.Popen[bytes]:
    cli = Path(sys.executable).with_name("shopify-emulator")
    process = subprocess.Popen(
        [str(cli), "serve", "--plan", "unlimited", "--port", str(port), "--access-token", TOKEN],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=0.5)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("emulator did not start")


async def run_load(
    count: int, concurrency: int, call: Callable[[int, RawClient], Awaitable[None]], port: int
) -> float:
    """Run `call(i, connection)` for i < count on `concurrency` connections; return calls/s."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)

    async def worker() -> None:
        connection = RawClient(port)
        try:
            while not queue.empty():
                await call(queue.get_nowait(), connection)
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count / (time.perf_counter() - started)


class RawClient:
    """A minimal keep-alive HTTP/1.1 client, so the load generator spends little CPU itself."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def post_json(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self._reader is not None
        body = json.dumps(payload).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"X-Shopify-Access-Token: {TOKEN}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self._writer.write(head.encode() + body)
        status_line = await self._reader.readline()
        length = 0
        while (line := await self._reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        data: dict[str, Any] = json.loads(await self._reader.readexactly(length))
        if b" 200 " not in status_line or "errors" in data:
            raise RuntimeError(f"{status_line!r}: {data}")
        return data

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            await self._writer.wait_closed()


def product_input(i: int) -> dict[str, Any]:
    sizes = ["S", "M", "L"]
    return {
        "title": f"Bench Product {i}",
        "handle": f"bench-product-{i}",
        "vendor": "Bench",
        "productType": "Shirts",
        "tags": ["bench", f"batch-{i % 10}"],
        "productOptions": [{"name": "Size", "values": [{"name": s} for s in sizes]}],
        "variants": [
            {
                "optionValues": [{"optionName": "Size", "name": s}],
                "price": f"{19 + i % 7}.99",
                "sku": f"B{i}-{s}",
            }
            for s in sizes
        ],
    }


async def graphql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await client.post(API, json={"query": query, "variables": variables})
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    if "errors" in body:
        raise RuntimeError(body["errors"])
    return body


async def bulk_mutation(
    client: httpx.AsyncClient, lines: int, server: psutil.Process
) -> tuple[float, float, float]:
    """Stage `lines` productSet inputs, run them as one bulk mutation.

    Returns (seconds, lines/s, server CPU-seconds per 1,000 lines). The CPU figure is the
    server process's own user+system time, so it does not depend on how loaded the machine is.
    """
    staged = await graphql(
        client,
        "mutation { stagedUploadsCreate(input: [{resource: BULK_MUTATION_VARIABLES, "
        'filename: "bench.jsonl", mimeType: "text/jsonl", httpMethod: POST}]) '
        "{ stagedTargets { url parameters { name value } } } }",
    )
    target = staged["data"]["stagedUploadsCreate"]["stagedTargets"][0]
    fields = {p["name"]: p["value"] for p in target["parameters"]}
    body = "".join(json.dumps({"input": product_input(100_000 + i)}) + "\n" for i in range(lines))
    upload = await client.post(
        target["url"], data=fields, files={"file": ("bench.jsonl", body, "text/jsonl")}
    )
    upload.raise_for_status()
    cpu_before = sum(server.cpu_times()[:2])
    started = time.perf_counter()
    run = await graphql(
        client,
        "mutation($m: String!, $p: String!) { bulkOperationRunMutation(mutation: $m, "
        "stagedUploadPath: $p) { bulkOperation { id } userErrors { message } } }",
        {"m": PRODUCT_SET, "p": fields["key"]},
    )
    operation_id = run["data"]["bulkOperationRunMutation"]["bulkOperation"]["id"]
    while True:
        node = await graphql(
            client,
            "query($id: ID!) { node(id: $id) { ... on BulkOperation { status objectCount url } } }",
            {"id": operation_id},
        )
        if node["data"]["node"]["status"] not in ("CREATED", "RUNNING"):
            break
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    cpu_per_1000 = (sum(server.cpu_times()[:2]) - cpu_before) * 1000 / lines
    if node["data"]["node"]["status"] != "COMPLETED" or node["data"]["node"]["objectCount"] != str(
        lines
    ):
        raise RuntimeError(f"bulk mutation did not complete: {node['data']['node']}")
    results = (await client.get(node["data"]["node"]["url"])).text.splitlines()
    failed = [r for r in results if '"userErrors":[]' not in r]
    if len(results) != lines or failed:
        raise RuntimeError(f"{len(failed)} of {len(results)} bulk lines failed: {failed[:1]}")
    return elapsed, lines / elapsed, cpu_per_1000


class Measured:
    """Wall-clock rate plus the server process's CPU time per call."""

    def __init__(self, server: psutil.Process, port: int) -> None:
        self.server = server
        self.port = port
        self.rows: list[tuple[str, str, str, str]] = []

    async def load(
        self,
        name: str,
        unit: str,
        count: int,
        concurrency: int,
        call: Callable[[int, RawClient], Awaitable[None]],
    ) -> None:
        cpu_before = sum(self.server.cpu_times()[:2])
        rate = await run_load(count, concurrency, call, self.port)
        cpu_ms = (sum(self.server.cpu_times()[:2]) - cpu_before) * 1000 / count
        self.rows.append((name, f"{rate:,.0f} {unit}", f"{cpu_ms:.2f}", f"{1000 / cpu_ms:,.0f}"))


async def main(requests: int, concurrency: int, bulk_lines: int) -> None:
    port = free_port()
    server = start_server(port)
    measured = Measured(psutil.Process(server.pid), port)
    try:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers=HEADERS, limits=limits, timeout=60
        ) as client:
            await client.post("/_emulator/config", json={"bulk_rate": 0})
            await client.post("/_emulator/seed", json={"products": 1000, "seed": 1})

            async def shop(_: int, connection: RawClient) -> None:
                await connection.post_json(API, {"query": SHOP_QUERY})

            async def products(_: int, connection: RawClient) -> None:
                await connection.post_json(API, {"query": PRODUCTS_QUERY})

            async def products_variants(_: int, connection: RawClient) -> None:
                await connection.post_json(API, {"query": PRODUCTS_VARIANTS_QUERY})

            async def product_set(i: int, connection: RawClient) -> None:
                n = i % 500
                variables = {
                    "input": product_input(n),
                    "identifier": {"handle": f"bench-product-{n}"},
                }
                body = await connection.post_json(
                    API, {"query": PRODUCT_SET, "variables": variables}
                )
                assert body["data"]["productSet"]["userErrors"] == []

            await run_load(200, concurrency, shop, port)  # warm-up
            await measured.load("{ shop { name } }", "req/s", requests, concurrency, shop)
            await measured.load(
                "products(first: 10) { id title handle updatedAt }",
                "req/s",
                requests,
                concurrency,
                products,
            )
            await measured.load(
                "  ... + variants(first: 5) { id sku price }",
                "req/s",
                max(requests // 2, 50),
                concurrency,
                products_variants,
            )
            await measured.load(
                "productSet, 3 variants (500 creates, then updates)",
                "mutations/s",
                max(requests // 2, 500),
                concurrency,
                product_set,
            )
            bulk_row = None
            if bulk_lines:
                seconds, rate, cpu = await bulk_mutation(client, bulk_lines, measured.server)
                bulk_row = (f"bulk productSet mutation, {bulk_lines:,} lines", seconds, rate, cpu)
            stats = (await client.get("/_emulator/stats")).json()
    finally:
        server.terminate()
        server.wait(10)
    headers = ("workload", "throughput", "server CPU ms/call", "calls per CPU-second")
    widths = [max(len(r[i]) for r in [headers, *measured.rows]) for i in range(4)]
    print(
        f"\nShopify emulator on loopback (unlimited plan, no latency, concurrency {concurrency}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})"
    )
    for row in [headers, tuple("-" * w for w in widths), *measured.rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    if bulk_row is not None:
        name, seconds, rate, cpu = bulk_row
        print(
            f"{name}: {seconds:,.1f} s ({rate:,.0f} lines/s); server CPU {cpu:.3f} s per 1,000 "
            f"lines ({1000 / cpu:,.0f} lines per CPU-second)"
        )
    print(
        f"products in store: {stats['products']:,}; graphql requests: {stats['graphql_requests']:,}"
    )
    print(
        "bar: >= 300 small requests/s and >= 3,000 bulk lines/s (throughput is shared with the"
        " client on the same machine; 'calls per CPU-second' is the server's own capacity per core)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--bulk", type=int, default=20_000, help="bulk mutation lines (0 = skip)")
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.concurrency, args.bulk))
