"""What happens, on SQLite, to jobs started while a big CSV import holds the write lock.

The app (in-process, over ASGI) on a fresh SQLite file, the emulator on a loopback port. It seeds
a catalog, pushes part of it, runs a price batch (to undo later), then submits, within a second:
a push of `--push` products, a price batch (a job: more than 1,000 products), the undo of the
first batch and an import job of `--rows` new products; once the import runs, it queues an export
job (its row is a write) and edits a product every 3 s until the import ends. It prints, per job,
its end state, error, when it started and ended (seconds after the first started) and its
counters, and each edit's answer and how long it waited.

    .venv/bin/python bench/import_lock_probe.py [--rows 10000] [--catalog 6000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from product_dashboard import migrate
from product_dashboard.auth import service as auth_service
from product_dashboard.config import Settings
from product_dashboard.db import create_engine
from product_dashboard.demo import seed_demo_catalog
from product_dashboard.main import create_app
from product_dashboard.models import Product, Role
from shopify_emulator.config import EmulatorConfig, Plan
from shopify_emulator.testing import EmulatorServer

TOKEN = "shpat_probe"
FINAL = ("completed", "failed", "stopped")


def write_csv(path: Path, rows: int) -> Path:
    lines = ["Handle,Title,Variant Price"]
    lines += [f"probe-{n},Probe Product {n},{10 + n % 7}.00" for n in range(rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


async def probe(url: str, rows: int, catalog: int, push: int, scratch: Path) -> None:
    engine = create_engine(url)
    await seed_demo_catalog(engine, catalog)
    await engine.dispose()
    emulator = EmulatorServer(EmulatorConfig(plan=Plan.UNLIMITED, access_token=TOKEN))
    emulator.start()
    settings = Settings(
        _env_file=None,
        environment="test",
        database_url=url,
        jwt_secret="probe-" + "x" * 40,
        log_dir=scratch / "logs",
        data_dir=scratch / "data",
        log_level="WARNING",
        shopify_store_url=emulator.base_url,
        shopify_access_token=TOKEN,
    )
    app = create_app(settings)
    try:
        async with app.router.lifespan_context(app):
            async with app.state.sessionmaker() as session, session.begin():
                user = await auth_service.create_user(
                    session, "probe@example.com", "p" * 20, Role.admin
                )
                ids = list(await session.scalars(select(Product.id).order_by(Product.id)))
            token, _ = auth_service.issue_token(user, settings)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport,
                base_url="http://probe",
                headers={"Authorization": f"Bearer {token}"},
                timeout=120,
            ) as http:
                await run_probe(http, app, ids, rows, push, scratch)
    finally:
        emulator.stop()


async def wait(http: httpx.AsyncClient, job_id: str, *states: str) -> dict[str, Any]:
    while True:
        job: dict[str, Any] = (await http.get(f"/api/jobs/{job_id}")).json()
        if job["state"] in states:
            return job
        await asyncio.sleep(0.2)


async def run_probe(
    http: httpx.AsyncClient, app: Any, ids: list[int], rows: int, push: int, scratch: Path
) -> None:
    pushed = ids[-push:]
    start = await http.post(
        "/api/sync/parallel/start",
        json={"direction": "push", "product_ids": pushed, "only_changed": False},
    )
    assert start.status_code == 202, start.text
    assert (await wait(http, start.json()["job_id"], *FINAL))["state"] == "completed"
    first = await http.post(
        "/api/products/batch/update-pricing",
        json={"product_ids": ids[:1200], "pricing": {"operation": "increase", "percent": "5"}},
    )
    assert first.status_code == 202, first.text
    first_batch = first.json()["batch_id"]
    assert (await wait(http, first.json()["job_id"], *FINAL))["state"] == "completed"

    csv = write_csv(scratch / "import.csv", rows)
    t0 = time.perf_counter()
    started: dict[str, str] = {}
    answers: dict[str, str] = {}

    async def submit(name: str, path: str, **kwargs: Any) -> None:
        response = await http.post(path, **kwargs)
        answers[name] = f"{response.status_code} at {time.perf_counter() - t0:.1f}s"
        if response.status_code == 202:
            started[name] = response.json().get("job_id") or response.json()["undo_job_id"]
        else:
            answers[name] += " " + response.text[:120]

    await submit(
        "push",
        "/api/sync/parallel/start",
        json={"direction": "push", "product_ids": pushed, "only_changed": False},
    )
    await submit(
        "price batch",
        "/api/products/batch/update-pricing",
        json={"product_ids": ids[1200:-push], "pricing": {"operation": "decrease", "percent": "3"}},
    )
    await submit("undo", f"/api/products/batch/{first_batch}/undo")
    with csv.open("rb") as file:
        await submit("import", "/api/products/import", files={"file": ("i.csv", file)})
    # Once the import runs: a job submitted then (its row is a write), and edits every 3 s.
    await wait(http, started["import"], "running")
    await asyncio.sleep(2)
    edits = asyncio.create_task(edit_meanwhile(http, ids[0], started["import"]))
    sent = time.perf_counter()
    await submit(
        "late export",
        "/api/products/batch/export",
        json={"product_ids": ids[:10], "as_job": True},
    )
    answers["late export"] += f" (waited {time.perf_counter() - sent:.2f}s)"
    jobs = {name: await wait(http, job_id, *FINAL) for name, job_id in started.items()}
    print("edits during the import (PUT a product): " + ", ".join(await edits))
    submitted = ", ".join(f"{name}: {answer}" for name, answer in answers.items())
    print(f"import of {rows} rows; jobs submitted {submitted}")
    import_started = min(job["started_at"] for job in jobs.values())
    print(f"{'job':12} {'state':10} {'start s':>8} {'end s':>8}  counters / error")
    for name, job in jobs.items():
        print(
            f"{name:12} {job['state']:10} {seconds(job['started_at'], import_started):>8} "
            f"{seconds(job['finished_at'], import_started):>8}  {job['progress']} "
            f"{(job['error'] or '')[:90]}"
        )
    async with app.state.sessionmaker() as session:
        count = await session.scalar(select(func.count()).select_from(Product))
    print(f"products now: {count}")


async def edit_meanwhile(http: httpx.AsyncClient, product_id: int, import_id: str) -> list[str]:
    """PUT a product's title every 3 s while the import runs: each answer and its wait."""
    answers = []
    while (await http.get(f"/api/jobs/{import_id}")).json()["state"] not in FINAL:
        sent = time.perf_counter()
        response = await http.put(
            f"/api/products/{product_id}", json={"title": f"Edited {len(answers)}"}
        )
        answers.append(f"{response.status_code} in {time.perf_counter() - sent:.2f}s")
        await asyncio.sleep(3)
    return answers


def seconds(stamp: str | None, origin: str) -> str:
    if stamp is None:
        return "-"
    return f"{(datetime.fromisoformat(stamp) - datetime.fromisoformat(origin)).total_seconds():.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--catalog", type=int, default=6_000)
    parser.add_argument("--push", type=int, default=2_000, help="products pushed (twice)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite+aiosqlite:///{Path(scratch) / 'probe.db'}"
        migrate.upgrade(url)  # runs its own event loop
        asyncio.run(probe(url, args.rows, args.catalog, args.push, Path(scratch)))


if __name__ == "__main__":
    main()
