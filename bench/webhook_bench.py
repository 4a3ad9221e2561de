"""Webhook receiver under load: ack latency, refusals, de-duplication, nothing lost or doubled.

Sends N signed `products/update` deliveries (default 1,000) at a given concurrency over loopback
HTTP to the real app (uvicorn, real database, processor running): 10% are re-sends of an earlier
delivery (same X-Shopify-Webhook-Id) and 5% carry a bad signature. Then waits for the processor
and prints ack latency (client-measured, request to 200) and what became of every delivery.

`--backlog N` stores N products/update events (over `--products` products, older than the
deliveries) before the app starts, so the deliveries are acked while the processor drains them:
the table then says how many of the backlog were drained during the sends, and the drain's rate.

`--during-import N` first uploads a CSV of N new products (an import job: one transaction, which
holds SQLite's write lock for its whole length) and sends the deliveries while it runs, paced at
`--rate` a second, each on its own connection (closed-loop senders would only measure how long
the first few waited); meanwhile an editor saves a product every 2 s (PUT /api/products/<id>).
The table adds the answers' status codes, how many acks took longer than Shopify's 5 s, the
edits' answers and latency, and the import's own outcome.

    .venv/bin/python bench/webhook_bench.py [--deliveries 1000] [--concurrency 20]
                                            [--backlog 0] [--products 100]
                                            [--during-import 0] [--rate 10]
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
from collections import Counter
from contextlib import suppress
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
SHOPIFY_TIMEOUT_MS = 5000.0  # Shopify gives up on a delivery after 5 s, and sends it again
IMPORT_HEADERS = (
    "Handle,Title,Body (HTML),Vendor,Type,Tags,Published,Option1 Name,Option1 Value,Variant SKU,"
    "Variant Grams,Variant Inventory Qty,Variant Price,Status\n"
)


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


async def receiver_metrics(base_url: str) -> dict[str, Any]:
    """The app's own ack latency and its phases, from GET /api/webhooks/metrics."""
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


def import_csv(products: int) -> bytes:
    """`products` new products, one row (one variant) each."""
    rows = [IMPORT_HEADERS]
    for k in range(products):
        rows.append(
            f"import-{k},Imported {k},<p>bench</p>,Bench,Thing,bench,TRUE,Size,S,IMP-{k},"
            f"100,{k % 9},{10 + k % 7}.00,active\n"
        )
    return "".join(rows).encode()


class Editor:
    """An admin session on the app: starts the import job and edits a product meanwhile."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, timeout=120)
        self.headers: dict[str, str] = {}
        self.edits: list[tuple[int, float]] = []  # (status, ms)

    async def login(self) -> None:
        login = await self.http.post(
            "/api/auth/login", json={"email": "bench@example.com", "password": PASSWORD}
        )
        self.headers = {"Authorization": f"Bearer {login.json()['access_token']}"}

    async def start_import(self, products: int) -> tuple[str, int]:
        """The import job's id, once it has started writing; and a product to edit meanwhile."""
        created = await self.http.post(
            "/api/products",
            json={"title": "Edited during the import", "vendor": "Bench"},
            headers=self.headers,
        )
        product_id = int(created.json()["id"])
        files = {"file": ("bench.csv", import_csv(products), "text/csv")}
        answer = await self.http.post("/api/products/import", files=files, headers=self.headers)
        if answer.status_code != 202:
            raise RuntimeError(f"the import did not start as a job: {answer.text[:300]}")
        job_id = str(answer.json()["job_id"])
        while True:
            if (await self.job(job_id))["state"] != "queued":
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(2)  # well into its transaction
        return job_id, product_id

    async def job(self, job_id: str) -> dict[str, Any]:
        for attempt in range(5):  # a kept-alive connection the server closed meanwhile
            try:
                got = await self.http.get(f"/api/jobs/{job_id}", headers=self.headers)
            except httpx.TransportError:
                if attempt == 4:
                    raise
                await asyncio.sleep(1)
                continue
            if got.status_code == 200:
                break
            await asyncio.sleep(1)  # a 5xx while the database is locked
        answer: dict[str, Any] = got.json()
        return answer

    async def edit_every(self, product_id: int, seconds: float, until: asyncio.Event) -> None:
        n = 0
        while not until.is_set():
            n += 1
            started = time.perf_counter()
            try:
                answer = await self.http.put(
                    f"/api/products/{product_id}",
                    json={"title": f"Edited during the import ({n})"},
                    headers=self.headers,
                )
                status = answer.status_code
            except httpx.TimeoutException:
                status = 0
            self.edits.append((status, (time.perf_counter() - started) * 1000))
            with suppress(TimeoutError):
                await asyncio.wait_for(until.wait(), seconds)

    async def wait_job(self, job_id: str) -> dict[str, Any]:
        while True:
            job = await self.job(job_id)
            if job["state"] in ("completed", "failed", "cancelled", "stopped"):
                return job
            await asyncio.sleep(0.5)


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
    during_import: int = 0,
    rate: float = 10.0,
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
    statuses: Counter[int] = Counter()
    acked: set[str] = set()
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    async with sessions() as session, session.begin():
        await auth_service.create_user(session, "bench@example.com", PASSWORD, Role.admin)
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
                    started = time.perf_counter()
                    writer.write(request_bytes(body, signature, webhook_id))
                    status, answer = await read_response(reader)
                    answered(status, answer, webhook_id, started)
            finally:
                writer.close()

        def request_bytes(body: bytes, signature: str, webhook_id: str) -> bytes:
            head = (
                "POST /webhooks/shopify HTTP/1.1\r\nHost: bench\r\n"
                "Content-Type: application/json\r\n"
                "X-Shopify-Topic: products/update\r\n"
                f"X-Shopify-Hmac-Sha256: {signature}\r\n"
                f"X-Shopify-Webhook-Id: {webhook_id}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            return head + body

        def answered(status: int, answer: bytes, webhook_id: str, started: float) -> None:
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[status] += 1
            if status == 401:
                answers["refused"] += 1
            elif status == 200:
                acked.add(webhook_id)
                answers["duplicate" if json.loads(answer)["duplicate"] else "fresh"] += 1
            else:
                answers["other"] += 1

        async def paced(index: int, start: float) -> None:
            """Open loop: request `index` leaves at its time whatever the earlier ones wait for."""
            await asyncio.sleep(max(0.0, start + index / rate - time.perf_counter()))
            _, body, signature, webhook_id = requests[index]
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            try:
                started = time.perf_counter()
                writer.write(request_bytes(body, signature, webhook_id))
                status, answer = await read_response(reader)
                answered(status, answer, webhook_id, started)
            finally:
                writer.close()

        assert server.process is not None
        editor = Editor(server.url)
        await editor.login()
        editing = asyncio.Event()
        edits: asyncio.Task[None] | None = None
        if during_import:
            import_id, edited = await editor.start_import(during_import)
            edits = asyncio.create_task(editor.edit_every(edited, 2.0, editing))
            import_running = (await editor.job(import_id))["state"] == "running"
        backlog_before = await backlog_finished(sessions)
        backlog_started = time.perf_counter()
        server_cpu = process_cpu_seconds(server.process.pid)
        client_cpu = time.process_time()
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        if during_import:
            await asyncio.gather(*(paced(k, started) for k in range(len(requests))))
        else:
            await asyncio.gather(*(connection() for _ in range(concurrency)))
        send_seconds = time.perf_counter() - started
        if during_import:
            import_still_running = (await editor.job(import_id))["state"] == "running"
            editing.set()
            assert edits is not None
            await edits
            import_job = await editor.wait_job(import_id)
            import_seconds = time.perf_counter() - started
        server_cpu = process_cpu_seconds(server.process.pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
        load_after = os.getloadavg()[0]
        backlog_during = await backlog_finished(sessions) - backlog_before

        server_side = await receiver_metrics(server.url)
        await editor.http.aclose()
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
        (
            "deliveries sent",
            f"{len(requests)} at {rate:g}/s, one connection each"
            if during_import
            else f"{len(requests)} at concurrency {concurrency}",
        ),
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
        ("answers by status", ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))),
        (
            "acks slower than Shopify's 5 s",
            str(sum(1 for ms in latencies if ms > SHOPIFY_TIMEOUT_MS)),
        ),
        ("processed", str(processed)),
        ("lost (acked, not processed)", str(lost)),
        ("processed twice", str(twice)),
        ("send time / until all processed", f"{send_seconds:.2f} s / {drain_seconds:.2f} s"),
    ]
    if during_import:
        report = import_job.get("report") or {}
        table += [
            (
                "import job (one transaction)",
                f"{during_import} products: {import_job['state']}, "
                f"created {report.get('created')}, in {import_seconds:.1f} s from the sends' start",
            ),
            (
                "  running when sends began / ended",
                f"{import_running} / {import_still_running}",
            ),
            (
                "edits meanwhile (PUT /api/products)",
                ", ".join(
                    f"{k}: {v}" for k, v in sorted(Counter(s for s, _ in editor.edits).items())
                )
                + f"; latency max {max((ms for _, ms in editor.edits), default=0):.0f} ms",
            ),
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
    parser.add_argument(
        "--during-import", type=int, default=0, help="send while importing so many products"
    )
    parser.add_argument(
        "--rate", type=float, default=10.0, help="deliveries a second (--during-import)"
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
            args.during_import,
            args.rate,
        )
    )


if __name__ == "__main__":
    main()
