"""Latency of the product list API over a large catalog, printed as a table (p50/p95 per query).

Seeds a demo catalog (100,000 products by default) into a fresh, migrated SQLite database, then
sends 50-item list requests of several shapes in-process (httpx's ASGI transport against
`create_app`, so no network and no server threads) and reports each shape's p50 and p95 against a
30 ms bar. Seeding time is printed too.

    .venv/bin/python bench/api_bench.py [--products 100000] [--runs 40] [--db PATH | --url URL]
        [--only TEXT]

`--only TEXT` measures only the shapes whose name contains TEXT (e.g. `--only combined`).

`--db PATH` reuses (or creates and keeps) a seeded SQLite database, to skip seeding on later runs;
`--url URL` does the same with any database URL (e.g. PostgreSQL:
postgresql+asyncpg://postgres@127.0.0.1:55432/bench).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import httpx
import psutil
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from product_dashboard import migrate
from product_dashboard.auth import service as auth_service
from product_dashboard.config import Settings
from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.demo import seed_demo_catalog
from product_dashboard.main import create_app
from product_dashboard.models import Product, ProductTag, ProductVariant, Role

BAR_MS = 30.0
PER_PAGE = 50
WARMUP_RUNS = 3
JWT_SECRET = "bench-" + "s" * 40
ADMIN = ("bench@example.com", "bench-password-123")


async def seed(url: str, products: int) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            present = int(await connection.scalar(select(func.count(Product.id))) or 0)
        if present >= products:
            print(f"Catalog: {present:,} products already in the database (seeding skipped).")
            return
        started = time.perf_counter()

        def progress(count: int) -> None:
            print(f"\r  seeding... {count:,}/{products - present:,}", end="", file=sys.stderr)

        cpu = time.process_time()
        report = await seed_demo_catalog(engine, products - present, seed=1, on_progress=progress)
        print(file=sys.stderr)
        print(
            f"Seeded {report.products:,} products, {report.variants:,} variants, "
            f"{report.options:,} options, {report.tags:,} tags in "
            f"{time.perf_counter() - started:.1f} s (CPU {time.process_time() - cpu:.1f} s)."
        )
    finally:
        await engine.dispose()


async def sample_values(url: str) -> dict[str, str]:
    """Real values to query for: a SKU, vendor, type, category and tag of this catalog."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            middle = int(await connection.scalar(select(func.max(Product.id))) or 1) // 2
            sku = await connection.scalar(
                select(ProductVariant.sku).where(ProductVariant.product_id == middle).limit(1)
            )
            vendor = await connection.scalar(select(Product.vendor).where(Product.id == middle))
            product_type = await connection.scalar(
                select(Product.product_type).where(Product.id == middle)
            )
            category = await connection.scalar(
                select(Product.category_name).where(Product.id == middle)
            )
            tag = await connection.scalar(
                select(ProductTag.tag_key)
                .group_by(ProductTag.tag_key)
                .order_by(func.count().desc())
                .limit(1)
            )
        return {
            "sku": str(sku),
            "vendor": str(vendor),
            "tag": str(tag),
            "type": str(product_type),
            "category": str(category),
        }
    finally:
        await engine.dispose()


def query_shapes(values: dict[str, str]) -> dict[str, dict[str, str]]:
    page = {"per_page": str(PER_PAGE)}
    return {
        "plain list (newest first)": page,
        "page 20": page | {"page": "20"},
        "sort by title": page | {"sort": "title"},
        "sort by price, desc": page | {"sort": "-price"},
        "q= common term": page | {"q": "cotton"},
        "q= two terms": page | {"q": "classic linen"},
        "q= SKU": page | {"q": values["sku"]},
        "status=draft": page | {"status": "draft"},
        "vendor= (other case)": page | {"vendor": values["vendor"].upper()},
        "product_type=": page | {"product_type": values["type"]},
        "category= (name)": page | {"category": values["category"].lower()},
        "metafield= (none match)": page | {"metafield": "custom.material=wool"},
        "tag=": page | {"tag": values["tag"]},
        "price 20-50": page | {"price_min": "20", "price_max": "50"},
        "combined": page | {"q": "cotton", "status": "active", "price_max": "80", "sort": "title"},
    }


class Row(NamedTuple):
    name: str
    matches: int
    p50_ms: float
    p95_ms: float
    cpu_ms: float
    db_cpu_ms: float | None
    steal: float | None


def cpu_seconds() -> tuple[float, float] | None:
    """(steal, all) CPU seconds of the whole machine so far; None where there is no steal."""
    times = psutil.cpu_times()
    steal = getattr(times, "steal", None)  # Linux only
    if steal is None:
        return None
    # guest and guest_nice are already counted in user and nice
    busy_and_idle = sum(t for name, t in times._asdict().items() if not name.startswith("guest"))
    return steal, busy_and_idle


def steal_share(
    before: tuple[float, float] | None, after: tuple[float, float] | None
) -> float | None:
    """The share of the machine's CPU time its hypervisor gave to others between two readings."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1])


def _proc_stat(pid: int | str) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


class Server(NamedTuple):
    """A PostgreSQL server on this machine: its main process and the bench's database."""

    postmaster: int
    database: str


async def local_server(url: str) -> Server | None:
    """The PostgreSQL server's main process and our database, when it runs on this machine
    (None: SQLite, or a server elsewhere)."""
    if make_url(url).get_backend_name() != "postgresql":
        return None
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            backend = int(await connection.scalar(select(func.pg_backend_pid())) or 0)
            database = str(await connection.scalar(select(func.current_database())))
        return Server(int(_proc_stat(backend)[1]), database)  # the backend's parent
    except OSError:
        return None
    finally:
        await engine.dispose()


def _serves(pid: str, database: str) -> bool:
    """Whether the backend's title ("postgres: user database host(port) state") names `database`."""
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").split()
    except OSError:
        return False
    return len(words) > 2 and words[2].decode(errors="replace") == database


def server_cpu_seconds(server: Server | None) -> float | None:
    """CPU seconds used so far by the server's live backends connected to our database (the
    app's pool, which stays open while a shape runs): the cluster may serve other databases,
    whose work must not count here."""
    if server is None:
        return None
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = _proc_stat(entry.name)
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == server.postmaster and _serves(entry.name, server.database):
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


async def measure(url: str, runs: int, log_dir: Path, only: str) -> list[Row]:
    settings = Settings(
        _env_file=None,
        environment="test",
        database_url=url,
        jwt_secret=JWT_SECRET,
        log_dir=log_dir,
        log_level="WARNING",
    )
    app = create_app(settings)
    values = await sample_values(url)
    server = await local_server(url)
    rows: list[Row] = []
    async with app.router.lifespan_context(app):
        sessionmaker = create_sessionmaker(app.state.engine)
        async with sessionmaker() as session, session.begin():
            user = await auth_service.create_user(session, *ADMIN, Role.admin)
        token, _ = auth_service.issue_token(user, settings)
        headers = {"Authorization": f"Bearer {token}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for name, params in query_shapes(values).items():
                if only not in name:
                    continue
                timings: list[float] = []
                cpu_ms: list[float] = []
                total = 0
                ticks: tuple[float, float] | None = None
                server_cpu: float | None = None
                for run in range(WARMUP_RUNS + runs):
                    if run == WARMUP_RUNS:
                        ticks, server_cpu = cpu_seconds(), server_cpu_seconds(server)
                    started, cpu = time.perf_counter(), time.process_time()
                    response = await client.get("/api/products", params=params, headers=headers)
                    elapsed = (time.perf_counter() - started) * 1000
                    if response.status_code != 200:
                        raise SystemExit(f"{name}: HTTP {response.status_code} {response.text}")
                    if run >= WARMUP_RUNS:
                        timings.append(elapsed)
                        cpu_ms.append((time.process_time() - cpu) * 1000)
                    total = int(response.json()["total"])
                server_after = server_cpu_seconds(server)
                db_cpu_ms = (
                    None
                    if server_cpu is None or server_after is None
                    else (server_after - server_cpu) * 1000 / runs
                )
                rows.append(
                    Row(
                        name,
                        total,
                        statistics.median(timings),
                        percentile(timings, 0.95),
                        statistics.median(cpu_ms),
                        db_cpu_ms,
                        steal_share(ticks, cpu_seconds()),
                    )
                )
        # The bench account is not part of the catalog: remove it so reruns with --db work.
        async with sessionmaker() as session, session.begin():
            await session.delete(await session.merge(user))
    return rows


def print_table(rows: list[Row], runs: int) -> bool:
    width = max(len(row.name) for row in rows)
    print(f"\nGET /api/products, {PER_PAGE} per page, {runs} runs per shape (after warm-up)")
    print(
        f"{'query':<{width}}  {'matches':>8}  {'p50 ms':>7}  {'p95 ms':>7}  {'CPU ms':>7}"
        f"  {'db CPU ms':>9}  {'steal':>5}  bar {BAR_MS:.0f} ms"
    )
    print("-" * (width + 67))
    all_ok = True
    for row in rows:
        ok = row.p95_ms <= BAR_MS
        all_ok &= ok
        steal = "-" if row.steal is None else f"{row.steal:.0%}"
        db_cpu = "-" if row.db_cpu_ms is None else f"{row.db_cpu_ms:.1f}"
        print(
            f"{row.name:<{width}}  {row.matches:>8,}  {row.p50_ms:>7.1f}  {row.p95_ms:>7.1f}"
            f"  {row.cpu_ms:>7.1f}  {db_cpu:>9}  {steal:>5}  {'ok' if ok else 'SLOW'}"
        )
    print(
        "\nCPU ms: median process CPU time per request (all threads), which a busy machine "
        "inflates far less than wall-clock time; load average now: "
        + " ".join(f"{load:.1f}" for load in os.getloadavg())
    )
    print(
        "steal: share of this machine's CPU time its hypervisor gave to other guests while the "
        "shape ran (a virtual machine's noise, beyond load average)"
    )
    return all_ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--only", default="", help="measure only shapes whose name has this")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--db", type=Path, help="SQLite file to reuse or create and keep")
    target.add_argument("--url", help="database URL to reuse or fill and keep")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="api-bench-") as scratch:
        db_path: Path = args.db or Path(scratch) / "bench.db"
        url = args.url or f"sqlite+aiosqlite:///{db_path}"
        started = time.perf_counter()
        migrate.upgrade(url)
        print(
            f"Migrated {make_url(url).render_as_string()} in {time.perf_counter() - started:.1f} s."
        )
        asyncio.run(seed(url, args.products))
        rows = asyncio.run(measure(url, args.runs, Path(scratch) / "logs", args.only))
    if not rows:
        raise SystemExit(f"No shape's name contains {args.only!r}.")
    all_ok = print_table(rows, args.runs)
    print("\nAll shapes within the bar." if all_ok else "\nSome shapes are over the bar.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
