"""The security audit's probes against a real server, old code and new side by side.

Starts the dashboard under uvicorn (real SQLite database, loopback only) from each source tree
given, runs the same probes against each, and prints one table:

- numeric rule: a viewer's collection preview with the condition "1e300000", while /healthz is
  polled every 10 ms: the preview's answer and the worst /healthz latency meanwhile;
- failed logins: 8 wrong passwords at once (production Argon2 parameters), /healthz meanwhile;
- anonymous 300 MB bodies: a webhook and a multipart upload with no credentials, streamed; the
  answer, and the server's peak growth in memory (RSS) and in spooled temporary files.

    .venv/bin/python bench/security_probe.py [--old PATH_TO_OLD_CHECKOUT] [--megabytes 300]

Each tree runs with its own `src/` first on PYTHONPATH, in this virtual environment.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from shopify_emulator.testing import free_port

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "security probe passphrase"
SECRET = "probe-webhook-secret"
MiB = 1024 * 1024


@dataclass
class Row:
    probe: str
    results: dict[str, str] = field(default_factory=dict)


class Server:
    def __init__(self, source: Path, workdir: Path) -> None:
        self.source, self.workdir = source, workdir
        self.port = free_port()
        self.env = {
            **os.environ,
            "PYTHONPATH": str(source / "src"),
            "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'probe.db'}",
            "JWT_SECRET": "probe-" + "j" * 48,
            "LOG_DIR": str(workdir / "logs"),
            "DATA_DIR": str(workdir / "data"),
            "LOG_CONSOLE": "false",
            "SHOPIFY_WEBHOOK_SECRET": SECRET,
            "WEBHOOK_PROCESSING_ENABLED": "false",
            "TMPDIR": str(workdir / "tmp"),  # where an upload is spooled, measured below
        }
        (workdir / "tmp").mkdir()
        self.process: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> None:
        command = [sys.executable, "-c", "from product_dashboard.cli import app; app()", *args]
        subprocess.run(command, env=self.env, cwd=self.workdir, check=True, capture_output=True)

    def __enter__(self) -> Server:
        self.cli("migrate")
        self.cli("create-user", "viewer@example.com", "--role", "viewer", "--password", PASSWORD)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from product_dashboard.cli import app; app()",
                "serve",
                "--port",
                str(self.port),
            ],
            env=self.env,
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(300):
            try:
                if httpx.get(f"{self.url}/healthz").status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server from {self.source} did not start")

    def __exit__(self, *_: object) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def spooled(self) -> int:
        """Bytes in the server's open temporary files (unnamed ones included, via /proc)."""
        assert self.process is not None
        folder, total = str(self.workdir / "tmp"), 0
        fds = Path(f"/proc/{self.process.pid}/fd")
        for fd in fds.iterdir():
            try:
                if os.readlink(fd).startswith(folder):
                    total += fd.stat().st_size
            except OSError:
                continue  # closed meanwhile
        return total

    @property
    def rss(self) -> int:
        assert self.process is not None
        process = psutil.Process(self.process.pid)
        return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)])


async def worst_healthz(client: httpx.AsyncClient, stop: asyncio.Event) -> float:
    worst = 0.0
    while not stop.is_set():
        started = time.perf_counter()
        await client.get("/healthz")
        worst = max(worst, time.perf_counter() - started)
        await asyncio.sleep(0.01)
    return worst


async def while_polling(client: httpx.AsyncClient, work: asyncio.Future[str]) -> tuple[str, float]:
    stop = asyncio.Event()
    poller = asyncio.create_task(worst_healthz(client, stop))
    await asyncio.sleep(0.05)
    result = await work
    stop.set()
    return result, await poller


async def numeric_probe(server: Server, client: httpx.AsyncClient) -> str:
    login = {"email": "viewer@example.com", "password": PASSWORD}
    token = (await client.post("/api/auth/login", json=login)).json()["access_token"]
    rule = {"column": "VARIANT_INVENTORY", "relation": "GREATER_THAN", "condition": "1e300000"}

    async def preview() -> str:
        response = await client.post(
            "/api/collections/preview",
            json={"rules": [rule]},
            headers={"Authorization": f"Bearer {token}"},
        )
        return str(response.status_code)

    status, worst = await while_polling(client, asyncio.ensure_future(preview()))
    return f"{status}; /healthz ≤ {worst * 1000:,.0f} ms"


async def login_probe(server: Server, client: httpx.AsyncClient) -> str:
    async def failures() -> str:
        wrong = {"email": "viewer@example.com", "password": "not the password"}
        answers = await asyncio.gather(
            *(client.post("/api/auth/login", json=wrong) for _ in range(8))
        )
        return "/".join(sorted({str(a.status_code) for a in answers}))

    status, worst = await while_polling(client, asyncio.ensure_future(failures()))
    return f"{status}; /healthz ≤ {worst * 1000:,.0f} ms"


async def big_body_probe(server: Server, path: str, megabytes: int, multipart: bool) -> str:
    sent = 0
    boundary = "probeboundary"

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        if multipart:
            yield (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                'filename="big.csv"\r\nContent-Type: text/csv\r\n\r\nHandle,Title\r\n'
            ).encode()
        chunk = b"x" * MiB
        for _ in range(megabytes):
            sent += len(chunk)
            yield chunk
        if multipart:
            yield f"\r\n--{boundary}--\r\n".encode()

    headers = {"content-type": f"multipart/form-data; boundary={boundary}"} if multipart else {}
    headers["x-shopify-topic"] = "products/update"
    baseline, peak, disk = server.rss, 0, 0
    done = asyncio.Event()

    async def watch() -> None:
        nonlocal peak, disk
        while not done.is_set():
            peak, disk = max(peak, server.rss), max(disk, server.spooled)
            await asyncio.sleep(0.02)

    watcher = asyncio.create_task(watch())
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=server.url, timeout=120) as client:
        try:
            response = await client.post(path, content=body(), headers=headers)
            status = str(response.status_code)
        except httpx.HTTPError as exc:
            status = type(exc).__name__
    elapsed = time.perf_counter() - started
    done.set()
    await watcher
    return (
        f"{status}; sent {sent / MiB:,.0f} MB in {elapsed:.1f} s; "
        f"RSS +{max(0, peak - baseline) / MiB:,.0f} MB, disk +{disk / MiB:,.0f} MB"
    )


async def run_probes(server: Server, megabytes: int) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        return {
            "numeric rule 1e300000 (viewer)": await numeric_probe(server, client),
            "8 failed logins at once": await login_probe(server, client),
            f"anonymous {megabytes} MB webhook": await big_body_probe(
                server, "/webhooks/shopify", megabytes, multipart=False
            ),
            f"anonymous {megabytes} MB upload": await big_body_probe(
                server, "/api/products/import", megabytes, multipart=True
            ),
        }


def probe(source: Path, megabytes: int) -> dict[str, str]:
    with (
        tempfile.TemporaryDirectory(prefix="security-probe-") as folder,
        Server(source, Path(folder)) as server,
    ):
        return asyncio.run(run_probes(server, megabytes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", type=Path, help="an older checkout to compare with")
    parser.add_argument("--megabytes", type=int, default=300)
    args = parser.parse_args()
    trees = {"new": REPO} | ({"old": args.old.resolve()} if args.old else {})
    cpu_before = psutil.cpu_times()
    wall = time.perf_counter()
    results = {name: probe(tree, args.megabytes) for name, tree in trees.items()}
    cpu_after = psutil.cpu_times()
    probes = list(next(iter(results.values())))
    width = max(len(p) for p in probes)
    names = list(reversed(trees))  # old first, when given
    print(f"{'probe':<{width}}  " + "  ".join(f"{n:<64}" for n in names))
    for name in probes:
        print(f"{name:<{width}}  " + "  ".join(f"{results[n][name]:<64}" for n in names))
    steal = getattr(cpu_after, "steal", 0.0) - getattr(cpu_before, "steal", 0.0)
    busy = (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system)
    print(
        f"\nwall {time.perf_counter() - wall:.1f} s, CPU (all processes) {busy:.1f} s, "
        f"steal {steal:.1f} s"
    )


if __name__ == "__main__":
    main()
