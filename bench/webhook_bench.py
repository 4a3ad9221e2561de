"""Webhook receiver under load: ack latency, refusals, de-duplication, nothing lost or doubled.

Sends N signed `products/update` deliveries (default 1,000) at a given concurrency over loopback
HTTP to the real app (uvicorn, real database, processor running): 10% are re-sends of an earlier
delivery (same X-Shopify-Webhook-Id) and 5% carry a bad signature. Then waits for the processor
and prints ack latency (client-measured, request to 200) and what became of every delivery.

`--backlog N` stores N products/update events (over `--products` products, older than the
deliveries) before the app starts, so the deliveries are acked while the processor drains them:
the table then says how many of the backlog were drained during the sends, and the drain's rate.

    .venv/bin/python bench/webhook_bench.py [--deliveries 1000] [--concurrency 20]
                                            [--backlog 0] [--products 100]
                                            [--database-url postgresql+asyncpg://…]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text

from product_dashboard import migrate
from product_dashboard.auth import service as auth_service
from product_dashboard.config import Settings
from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.inbound import signing
from product_dashboard.models import Model, Role, WebhookEvent

SECRET = "bench-webhook-secret"
PASSWORD = "bench password 1234"
PRODUCTS = 100
BASE_ID = 7_900_000_000_000_000_000


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def payload(index: int) -> dict[str, Any]:
    product = index % PRODUCTS
    pid = BASE_ID + product
    return {
        "admin_graphql_api_id": f"gid://shopify/Product/{pid}",
        "id": pid,
        "title": f"Bench product {product} rev {index}",
        "handle": f"bench-product-{product}",
        "body_html": "<p>bench</p>",
        "vendor": "Bench",
        "product_type": "Thing",
        "status": "active",
        "tags": "bench, load",
        "updated_at": f"2026-11-28T10:{index // 60 % 60:02d}:{index % 60:02d}+00:00",
        "options": [{"name": "Size", "position": 1, "values": ["S", "M"]}],
        "variants": [
            {
                "admin_graphql_api_id": f"gid://shopify/ProductVariant/{pid}{n}",
                "position": n,
                "price": f"{10 + index % 7}.00",
                "compare_at_price": None,
                "sku": f"B-{product}-{size}",
                "barcode": None,
                "option1": size,
                "option2": None,
                "option3": None,
                "inventory_quantity": index % 50,
            }
            for n, size in ((1, "S"), (2, "M"))
        ],
    }


def plan(count: int, rng: random.Random) -> list[tuple[str, bytes, str, str]]:
    """(kind, body, signature, webhook id) per request: fresh, duplicate or forged."""
    requests: list[tuple[str, bytes, str, str]] = []
    fresh: list[tuple[bytes, str, str]] = []
    for index in range(count):
        roll = rng.random()
        if roll < 0.05:
            body = json.dumps(payload(index)).encode()
            requests.append(("forged", body, signing.sign("wrong-secret", body), f"forged-{index}"))
        elif roll < 0.15 and fresh:
            body, signature, webhook_id = rng.choice(fresh)
            requests.append(("duplicate", body, signature, webhook_id))
        else:
            body = json.dumps(payload(index)).encode()
            item = (body, signing.sign(SECRET, body), f"bench-{index}")
            fresh.append(item)
            requests.append(("fresh", *item))
    return requests


BACKLOG_BASE = 1_000_000


def stored_update(webhook_id: str, index: int, updated_at: str) -> WebhookEvent:
    """Product `index`'s products/update event as of `updated_at`, as the receiver stores it."""
    body = payload(index)
    body["updated_at"] = updated_at
    return WebhookEvent(
        webhook_id=webhook_id,
        topic="products/update",
        body=json.dumps(body),
        resource_id=body["admin_graphql_api_id"],
    )


async def store_backlog(url: str, count: int) -> None:
    """`count` pending products/update events, as the receiver stores them, older than any
    delivery (so a delivery about the same product is the newer one)."""
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    async with sessions() as session, session.begin():
        for k in range(count):
            at = f"2026-11-27T{k // 3600 % 24:02d}:{k // 60 % 60:02d}:{k % 60:02d}+00:00"
            session.add(stored_update(f"backlog-{k}", BACKLOG_BASE + k, at))
    await engine.dispose()


async def backlog_finished(sessions: Any) -> int:
    async with sessions() as session:
        finished: int = await session.scalar(
            select(func.count())
            .select_from(WebhookEvent)
            .where(
                WebhookEvent.webhook_id.like("backlog-%"),
                WebhookEvent.state.in_(["processed", "ignored"]),
            )
        )
    return finished


SERVER = """
import sys, uvicorn
from product_dashboard.config import Settings
from product_dashboard.main import create_app
settings = Settings.model_validate_json(sys.argv[2])
uvicorn.run(create_app(settings), host="127.0.0.1", port=int(sys.argv[1]),
            log_level="warning", access_log=False)
"""


class Server:
    """The app in its own process, as in production: the load generator does not share its GIL."""

    def __init__(self, settings: Settings) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.settings = settings
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(self.port), self.settings.model_dump_json()]
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the app server did not start")
            time.sleep(0.1)

    def __exit__(self, *_: object) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads) so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    return status, await reader.readexactly(length)


async def receiver_metrics(base_url: str, sessions: Any) -> dict[str, Any]:
    """The app's own ack latency and its phases, from GET /api/webhooks/metrics."""
    async with sessions() as session, session.begin():
        await auth_service.create_user(session, "bench@example.com", PASSWORD, Role.admin)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        login = await http.post(
            "/api/auth/login", json={"email": "bench@example.com", "password": PASSWORD}
        )
        token = login.json()["access_token"]
        metrics = await http.get(
            "/api/webhooks/metrics", headers={"Authorization": f"Bearer {token}"}
        )
        answer: dict[str, Any] = metrics.json()
        return answer


async def reset_postgres(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Model.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()


async def run(
    deliveries: int,
    concurrency: int,
    database_url: str | None,
    seed: int,
    process: bool,
    backlog: int = 0,
) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="webhook-bench-"))
    url = database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    await asyncio.to_thread(migrate.upgrade, url)
    if not url.startswith("sqlite"):
        await reset_postgres(url)
    await store_backlog(url, backlog)
    settings = Settings(
        _env_file=None,
        environment="test",
        database_url=url,
        jwt_secret="bench-" + "x" * 40,
        shopify_webhook_secret=SECRET,
        webhook_processing_enabled=process,
        log_dir=workdir / "logs",
        log_level="WARNING",
        data_dir=workdir / "data",
    )
    requests = plan(deliveries, random.Random(seed))
    latencies: list[float] = []
    answers: dict[str, int] = {"fresh": 0, "duplicate": 0, "refused": 0, "other": 0}
    acked: set[str] = set()
    with Server(settings) as server:
        # A minimal keep-alive HTTP/1.1 client: `concurrency` connections, each sending its next
        # request as soon as the previous answer is in. (httpx's pool costs more CPU than the
        # server under test at this concurrency, which would measure the client, not us.)
        queue: asyncio.Queue[tuple[str, bytes, str, str]] = asyncio.Queue()
        for item in requests:
            queue.put_nowait(item)

        async def connection() -> None:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            try:
                while not queue.empty():
                    _, body, signature, webhook_id = queue.get_nowait()
                    head = (
                        "POST /webhooks/shopify HTTP/1.1\r\nHost: bench\r\n"
                        "Content-Type: application/json\r\n"
                        "X-Shopify-Topic: products/update\r\n"
                        f"X-Shopify-Hmac-Sha256: {signature}\r\n"
                        f"X-Shopify-Webhook-Id: {webhook_id}\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n"
                    ).encode()
                    started = time.perf_counter()
                    writer.write(head + body)
                    status, answer = await read_response(reader)
                    latencies.append((time.perf_counter() - started) * 1000)
                    if status == 401:
                        answers["refused"] += 1
                    elif status == 200:
                        acked.add(webhook_id)
                        answers["duplicate" if json.loads(answer)["duplicate"] else "fresh"] += 1
                    else:
                        answers["other"] += 1
            finally:
                writer.close()

        assert server.process is not None
        engine = create_engine(url)
        sessions = create_sessionmaker(engine)
        backlog_before = await backlog_finished(sessions)
        backlog_started = time.perf_counter()
        server_cpu = process_cpu_seconds(server.process.pid)
        client_cpu = time.process_time()
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        await asyncio.gather(*(connection() for _ in range(concurrency)))
        send_seconds = time.perf_counter() - started
        server_cpu = process_cpu_seconds(server.process.pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
        load_after = os.getloadavg()[0]
        backlog_during = await backlog_finished(sessions) - backlog_before

        server_side = await receiver_metrics(server.url, sessions)
        processing_cpu = process_cpu_seconds(server.process.pid)
        deadline = time.monotonic() + (300 if process else 0)
        while True:
            async with sessions() as session:
                unfinished = await session.scalar(
                    select(func.count())
                    .select_from(WebhookEvent)
                    .where(WebhookEvent.state.in_(["pending", "processing"]))
                )
            if not unfinished or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
        drain_seconds = time.perf_counter() - started
        backlog_seconds = time.perf_counter() - backlog_started
        processing_cpu = process_cpu_seconds(server.process.pid) - processing_cpu
        async with sessions() as session:
            rows = (
                await session.execute(
                    select(WebhookEvent.webhook_id, WebhookEvent.state, WebhookEvent.attempts)
                )
            ).all()
        await engine.dispose()

    ack, phases = server_side["ack_latency"], server_side["ack_phases"]
    stored = {r.webhook_id: r for r in rows}
    processed = sum(1 for r in rows if r.state in ("processed", "ignored"))
    lost = sum(
        1 for w in acked if w not in stored or stored[w].state not in ("processed", "ignored")
    )
    twice = sum(1 for r in rows if r.attempts > 1) + (len(rows) - len(stored))
    intended = {k: sum(1 for r in requests if r[0] == k) for k in ("fresh", "duplicate", "forged")}
    table = [
        ("database", url.split(":", 1)[0]),
        ("deliveries sent", f"{len(requests)} at concurrency {concurrency}"),
        (
            "  fresh / duplicate / forged",
            f"{intended['fresh']} / {intended['duplicate']} / {intended['forged']}",
        ),
        ("ack latency p50", f"{percentile(latencies, 50):.1f} ms"),
        ("ack latency p99", f"{percentile(latencies, 99):.1f} ms"),
        ("ack latency max", f"{max(latencies):.1f} ms"),
        (
            "  in the receiver p50 / p99",
            f"{ack['p50_ms']} / {ack['p99_ms']} ms (verify, store, commit)",
        ),
        (
            "  of which storing p50 / p99",
            f"{phases['store']['p50_ms']} / {phases['store']['p99_ms']} ms (queue + batch)",
        ),
        (
            "  batch INSERT+COMMIT p50 / p99",
            f"{phases['batch_write']['p50_ms']} / {phases['batch_write']['p99_ms']} ms, "
            f"{phases['batch_size']['samples']} batches of {phases['batch_size']['mean']} "
            f"(max {phases['batch_size']['max']})",
        ),
        (
            "  batch waiting for the write lock",
            f"{phases['lock_wait']['p50_ms']} / {phases['lock_wait']['p99_ms']} ms "
            f"(max {phases['lock_wait']['max_ms']})",
        ),
        (
            "server CPU per delivery (send)",
            f"{server_cpu / len(requests) * 1000:.2f} ms "
            f"(client {client_cpu / len(requests) * 1000:.2f} ms)",
        ),
        (
            "server CPU per event (drain)",
            f"{processing_cpu / max(1, processed) * 1000:.2f} ms" if process else "n/a",
        ),
        ("load average (1 min) before / after", f"{load_before:.2f} / {load_after:.2f}"),
        ("accepted (stored, 200)", str(answers["fresh"])),
        ("duplicates (200, not stored)", str(answers["duplicate"])),
        ("refused (401, not stored)", str(answers["refused"])),
        ("other answers", str(answers["other"])),
        ("processed", str(processed)),
        ("lost (acked, not processed)", str(lost)),
        ("processed twice", str(twice)),
        ("send time / until all processed", f"{send_seconds:.2f} s / {drain_seconds:.2f} s"),
    ]
    if backlog:
        table += [
            ("backlog stored before the start", f"{backlog} over {PRODUCTS} products"),
            ("  done before the sends began", str(backlog_before)),
            ("  done during the sends (acks above)", str(backlog_during)),
            (
                "  drain from the sends' start",
                f"{(backlog - backlog_before + processed - backlog) / backlog_seconds:.0f} "
                "events/s (backlog left + deliveries)",
            ),
        ]
    width = max(len(k) for k, _ in table)
    print(f"{'metric'.ljust(width)} | value")
    print(f"{'-' * width}-+-{'-' * 30}")
    for key, value in table:
        print(f"{key.ljust(width)} | {value}")


def main() -> None:
    global PRODUCTS
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backlog", type=int, default=0, help="events stored before the start")
    parser.add_argument("--products", type=int, default=PRODUCTS, help="events over so many")
    parser.add_argument(
        "--no-processing", action="store_true", help="measure the receiving path alone"
    )
    args = parser.parse_args()
    PRODUCTS = args.products
    asyncio.run(
        run(
            args.deliveries,
            args.concurrency,
            args.database_url,
            args.seed,
            not args.no_processing,
            args.backlog,
        )
    )


if __name__ == "__main__":
    main()
